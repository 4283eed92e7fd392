// The command model speaks in Wire values.
@_exported import Wire
