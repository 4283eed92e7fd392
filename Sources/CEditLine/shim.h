// Typed wrappers around libedit's variadic calls, which Swift cannot call directly.
#ifndef ARS_CEDITLINE_SHIM_H
#define ARS_CEDITLINE_SHIM_H
#include <stdio.h>
#include <locale.h>
#include <langinfo.h>
#include <editline/readline.h>
#include <histedit.h>
#endif
