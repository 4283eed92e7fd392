// Plugins depend on `Commands` only: the value model, the command model and the lane toolkit
// they are written with come with it.
@_exported import CommandModel
@_exported import LaneToolkit
@_exported import Wire
