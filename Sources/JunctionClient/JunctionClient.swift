// JunctionClient: a WAMP v2 client library (see `WAMPClient`). Re-exports WAMPCore so that
// `WAMPValue`, `WAMPList`, `WAMPDict` and `SerializerKind` are available with one import.
@_exported import WAMPCore
