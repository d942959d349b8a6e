package duplex

// Version is the version of Duplex: of the runtime, and of the duplex
// command and the code it generates (`duplex version` prints it). It is the
// only copy.
const Version = "0.1.0"

// IsAtLeastVersion0_1_0 is referenced by generated code
// (const _ = duplex.IsAtLeastVersion0_1_0) so that code generated for a
// newer runtime fails to compile, with this name in the message, against an
// older one.
const IsAtLeastVersion0_1_0 = true
