package closereason

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateKeepsWholeRunesUnderMax(t *testing.T) {
	for _, s := range []string{"", "short", strings.Repeat("x", Max), strings.Repeat("x", Max+1), strings.Repeat("é", 100), strings.Repeat("😀", 40)} {
		got := Truncate(s)
		if len(got) > Max || !utf8.ValidString(got) || !strings.HasPrefix(s, got) {
			t.Errorf("Truncate(%d bytes) = %d bytes, valid %v", len(s), len(got), utf8.ValidString(got))
		}
		if len(s) <= Max && got != s {
			t.Errorf("Truncate cut a reason that fits (%d bytes)", len(s))
		}
		if len(s) > Max && len(got) < Max-utf8.UTFMax+1 {
			t.Errorf("Truncate(%d bytes) = %d bytes: cut more than a rune short of %d", len(s), len(got), Max)
		}
	}
}
