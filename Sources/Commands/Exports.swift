// Plugins depend on `Commands` only: the value model, the command model and the lane toolkit
// they are written with come with it, and the digests (SHA-256) plans and fingerprints use.
@_exported import CommandModel
@_exported import Digest
@_exported import LaneToolkit
@_exported import Wire
