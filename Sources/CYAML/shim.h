#ifndef CYAML_SHIM_H
#define CYAML_SHIM_H

/// libyaml (Debian's libyaml-dev): the YAML 1.1 event parser `YAML.decode` composes values from.
#include <yaml.h>

#endif
