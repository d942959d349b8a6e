package ws

import (
	"testing"
	"unsafe"
)

// TestConnFitsItsSizeClass: every idle connection holds one Conn, which
// the allocator rounds up to a size class; at 577 bytes it would take 640.
// A new field may need another field's padding (bools and 4-byte atomics
// next to each other) to stay within 576.
func TestConnFitsItsSizeClass(t *testing.T) {
	const sizeClass = 576
	if n := unsafe.Sizeof(Conn{}); n > sizeClass {
		t.Errorf("Conn is %d bytes, past the %d-byte size class: every connection pays %d bytes more (reorder fields to fill padding, or move what only the upgrade needs out of it)", n, sizeClass, 640-sizeClass)
	}
}
