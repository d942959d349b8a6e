package server

import "duplex.dev/bench/duplex"

// The Duplex row: the service served by the code `duplex gen` generates
// from the bench design (bench/duplex).
func init() { servers["duplex"] = duplex.NewHandler }
