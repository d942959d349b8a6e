package transport

import (
	"net/http"
	"testing"
	"time"
)

// TestUnaryConfigLayers: a unary handler's configuration is the defaults,
// then the fields each UnaryConfig sets, the later ones winning (the
// design's, then the deployment's); a negative SubjectRate or
// IdempotencyBytes turns off what an earlier one turned on.
func TestUnaryConfigLayers(t *testing.T) {
	enc := func(http.ResponseWriter, any) any { return nil }
	design := UnaryConfig{SubjectRate: 10, SubjectBurst: 20, ResponseEncoder: enc}
	cases := []struct {
		name              string
		cfgs              []UnaryConfig
		rate, idem, coded bool // a per-subject limit, an idempotency store, an encoder
		ttl               time.Duration
	}{
		{name: "none: the defaults", idem: true, ttl: defaultIdempotencyTTL},
		{name: "the design's", cfgs: []UnaryConfig{design}, rate: true, idem: true, coded: true, ttl: defaultIdempotencyTTL},
		{name: "the deployment's fields win, the others stay the design's", cfgs: []UnaryConfig{design, {IdempotencyTTL: time.Minute}}, rate: true, idem: true, coded: true, ttl: time.Minute},
		{name: "negative turns off", cfgs: []UnaryConfig{design, {SubjectRate: -1, IdempotencyBytes: -1}}, coded: true, ttl: defaultIdempotencyTTL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := newUnaryQuota(tc.cfgs)
			if (q.limit != nil) != tc.rate || (q.idem != nil) != tc.idem || (q.cfg.ResponseEncoder != nil) != tc.coded || q.cfg.IdempotencyTTL != tc.ttl {
				t.Errorf("limit %v, store %v, encoder %v, ttl %v; want %v, %v, %v, %v",
					q.limit != nil, q.idem != nil, q.cfg.ResponseEncoder != nil, q.cfg.IdempotencyTTL, tc.rate, tc.idem, tc.coded, tc.ttl)
			}
		})
	}
}
