package server

import "duplex.dev/bench/duplexrt"

// The duplex-runtime row: the endpoints written directly on duplex.dev/ws.
// Delete this file if duplex.dev/ws stops building; the harness then compares
// raw and goa only.
func init() { servers["duplex-runtime"] = duplexrt.NewHandler }
