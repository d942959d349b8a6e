package ws

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"testing/iotest"
)

// maskedFrame returns one client frame with payload masked by key.
func maskedFrame(op byte, payload []byte, key [4]byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	default:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// TestCloseReasonCheckRewritesOnlyAnInvalidCloseReason reads frame streams
// through a closeReasonCheck however the reads are cut (a byte at a time,
// halves, whole): every byte passes unchanged but the payload of a close
// frame whose reason is not UTF-8, which becomes close 1002 with a reason
// of the same length.
func TestCloseReasonCheckRewritesOnlyAnInvalidCloseReason(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	big := bytes.Repeat([]byte("x"), 300) // extended length, bytes that look like headers inside
	for i := range big {
		big[i] = byte(0x88 + i%3)
	}
	text := maskedFrame(opText, []byte(`{"a":"é"}`), key)
	long := maskedFrame(opText, big, key)
	ping := maskedFrame(9, []byte("p"), key)
	reason := []byte("bye \xff\xfe!")
	badClose := maskedFrame(opClose, append(binary.BigEndian.AppendUint16(nil, 1000), reason...), key)
	want := append(binary.BigEndian.AppendUint16(nil, uint16(StatusProtocolError)), []byte(invalidCloseReason)[:len(reason)]...)
	goodClose := maskedFrame(opClose, append(binary.BigEndian.AppendUint16(nil, 1000), "bye é"...), key)

	cuts := map[string]func(io.Reader) io.Reader{
		"whole":          func(r io.Reader) io.Reader { return r },
		"byte by byte":   iotest.OneByteReader,
		"half at a time": iotest.HalfReader,
	}
	for name, cut := range cuts {
		t.Run(name, func(t *testing.T) {
			in := bytes.Join([][]byte{text, long, ping, badClose}, nil)
			got, err := io.ReadAll(&closeReasonCheck{r: cut(bytes.NewReader(in))})
			if err != nil {
				t.Fatal(err)
			}
			prefix := len(in) - len(reason) - 2
			if !bytes.Equal(got[:prefix], in[:prefix]) {
				t.Fatal("bytes before the close payload changed")
			}
			payload := bytes.Clone(got[prefix:])
			for i := range payload {
				payload[i] ^= key[i%4]
			}
			if !bytes.Equal(payload, want) {
				t.Fatalf("close payload %q, want %q", payload, want)
			}

			in = bytes.Join([][]byte{text, ping, goodClose}, nil)
			got, err = io.ReadAll(&closeReasonCheck{r: cut(bytes.NewReader(in))})
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("a valid stream changed: %q, %v", got, err)
			}
		})
	}
}
