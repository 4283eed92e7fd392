// Plugins depend on `Commands` only: the value model they return and bind comes with it.
@_exported import Wire
