package shop

// This test runs inside the generated package of the shop design, in the
// throwaway module of TestShopMatchesGoldenFilesAndCompiles.

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	duplex "duplex.dev"
	"duplex.dev/security"
)

type svc struct {
	keyErr error
	got    []string
	scopes []string
}

func (s *svc) APIKeyAuth(ctx context.Context, key string, sc *security.APIKeyScheme) (context.Context, error) {
	s.got = append(s.got, "key:"+key)
	return ctx, s.keyErr
}

func (s *svc) JWTAuth(ctx context.Context, token string, sc *security.JWTScheme) (context.Context, error) {
	s.got = append(s.got, "jwt:"+token)
	s.scopes = sc.RequiredScopes
	return ctx, nil
}

func (s *svc) OAuth2Auth(ctx context.Context, token string, sc *security.OAuth2Scheme) (context.Context, error) {
	if len(sc.Flows) != 1 || sc.Flows[0].Type != "client_credentials" {
		return ctx, errors.New("flows missing")
	}
	return ctx, nil
}

func (s *svc) ShowItem(ctx context.Context, p *ShowItemPayload) (*Item, string, error) {
	if p.ID == 404 {
		return nil, "", &NotFound{Message: "no item 404", ID: 404}
	}
	return &Item{ID: p.ID, Name: "pen", Status: "new", Price: new(float32)}, "summary", nil
}

func (s *svc) ListItems(ctx context.Context, p *ListItemsPayload) (ItemCollection, error) {
	return ItemCollection{{ID: 1, Name: "a", Status: "sold"}, {ID: 2, Name: "b", Status: "new"}}, nil
}

func (s *svc) Ping(context.Context) error { return MakeRateLimited(errors.New("slow down")) }

func (s *svc) Rename(_ context.Context, p string) (string, error) { return p, nil }

func (s *svc) Watch(context.Context, *WatchPayload, WatchServerStream) error { return nil }

func (s *svc) Upload(context.Context, UploadServerStream) error { return nil }

func TestAlternativeRequirementsAreTriedInOrder(t *testing.T) {
	s := &svc{keyErr: errors.New("bad key")}
	e := NewEndpoints(s)
	key, tok := "k", "t"
	res, err := e.ShowItem(context.Background(), &ShowItemPayload{Key: &key, Token: &tok, ID: 7})
	if err != nil {
		t.Fatalf("ShowItem: %v", err)
	}
	if strings.Join(s.got, ",") != "key:k,jwt:t" || strings.Join(s.scopes, ",") != "admin" {
		t.Errorf("auth calls %v, required scopes %v", s.got, s.scopes)
	}
	b, _ := json.Marshal(res)
	if string(b) != `{"id":7,"name":"pen"}` {
		t.Errorf("ShowItem result %s, want the summary view chosen by the service", b)
	}
	s.got = nil
	s.keyErr = nil
	if _, err := e.ShowItem(context.Background(), &ShowItemPayload{ID: 7}); err != nil || strings.Join(s.got, ",") != "key:" {
		t.Errorf("with a valid key: err %v, calls %v", err, s.got)
	}
}

func TestTypedErrorsKeepTheirDesignName(t *testing.T) {
	e := NewEndpoints(&svc{})
	_, err := e.ShowItem(context.Background(), &ShowItemPayload{ID: 404})
	var nf *NotFound
	if !errors.As(err, &nf) || nf.GoaErrorName() != "not_found" || err.Error() != "no item 404" {
		t.Errorf("ShowItem(404) error = %#v", err)
	}
	_, err = e.Ping(context.Background(), nil)
	var se *duplex.ServiceError
	if !errors.As(err, &se) || se.Name != "rate_limited" || !se.Temporary || se.Message != "slow down" {
		t.Errorf("Ping error = %#v", err)
	}
}

func TestCollectionResultUsesTheMethodView(t *testing.T) {
	res, err := NewEndpoints(&svc{}).ListItems(context.Background(), &ListItemsPayload{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if string(b) != `[{"id":1,"name":"a"},{"id":2,"name":"b"}]` {
		t.Errorf("ListItems = %s", b)
	}
	if b, _ := json.Marshal(NewViewedItemCollection(ItemCollection{nil}, "").Projected); string(b) != "[null]" {
		t.Errorf("a nil element projects to %s, want [null]", b)
	}
	back := NewItemCollection(NewViewedItemCollection(ItemCollection{{ID: 3, Name: "c", Status: "new"}}, "default"))
	if len(back) != 1 || back[0].ID != 3 || back[0].Status != "new" {
		t.Errorf("NewItemCollection = %+v", back)
	}
}

func TestDefaultsApplyToAbsentAttributes(t *testing.T) {
	var p ListItemsPayload
	if err := json.Unmarshal([]byte(`{"labels":["ab"]}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Limit != 20 {
		t.Errorf("Limit = %d, want the default 20", p.Limit)
	}
	if err := json.Unmarshal([]byte(`{"limit":5}`), &p); err != nil || p.Limit != 5 {
		t.Errorf("Limit = %d (%v), want 5", p.Limit, err)
	}
}

func TestValidationNamesEveryViolation(t *testing.T) {
	w := 2.0
	item := &Item{ID: 0, Name: "x", Status: "lost", Tags: []*Tag{{Name: "Bad", Weight: &w}}}
	item.Owner = &struct {
		Email string `json:"email"`
	}{Email: "not an address"}
	err := ValidateItem(item)
	for _, want := range []string{`id must be greater`, `value of status`, `name must match`, `weight must be lesser`, `owner.email must be formatted`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateItem error %v lacks %q", err, want)
		}
	}
	if duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Errorf("%v is not a validation error", err)
	}
	if err := ValidateListItemsPayload(&ListItemsPayload{Limit: 101, Labels: []string{"a"}}); err == nil ||
		!strings.Contains(err.Error(), "limit must be lesser") || !strings.Contains(err.Error(), "labels[*]") {
		t.Errorf("ValidateListItemsPayload error %v", err)
	}
	if err := ValidateRenamePayload("ab"); err == nil {
		t.Error("ValidateRenamePayload accepted a 2-character name")
	}
	ok := &Item{ID: 1, Name: "x", Status: "new", Tags: []*Tag{{Name: "good"}}}
	if err := ValidateItem(ok); err != nil {
		t.Errorf("valid item: %v", err)
	}
}

func TestClientReturnsTheEndpointResult(t *testing.T) {
	e := NewEndpoints(&svc{})
	c := NewClient(e.ShowItem, e.ListItems, e.Ping, e.Rename, e.Watch, e.Upload)
	if res, err := c.Rename(context.Background(), "abc"); err != nil || res != "abc" {
		t.Errorf("Rename = %q, %v", res, err)
	}
	if err := c.Ping(context.Background()); err == nil {
		t.Error("Ping returned no error")
	}
}

// missingFields returns the attributes a missing_field error names, in order,
// and fails the test if err is anything else.
func missingFields(t *testing.T, what string, err error) []string {
	t.Helper()
	var se *duplex.ServiceError
	if !errors.As(err, &se) || duplex.CodeOf(err) != duplex.CodeInvalid {
		t.Fatalf("%s: error %#v is not a validation error", what, err)
	}
	var names []string
	for _, h := range se.History() {
		if h.Name != duplex.MissingField || h.Field == nil {
			t.Fatalf("%s: error %q is not a missing_field error naming its attribute", what, h.Message)
		}
		names = append(names, *h.Field)
	}
	return names
}

func TestDecodingReportsMissingRequiredAttributes(t *testing.T) {
	for _, c := range []struct {
		name, json string
		into       any
		want       string // attributes named, comma separated
	}{
		{"empty object", `{}`, new(Tag), "name"},
		{"null value", `{"name":null}`, new(Tag), "name"},
		{"only optional attributes", `{"weight":0.5}`, new(Tag), "name"},
		{"several missing", `{"status":"sold"}`, new(Item), "id,name"},
		{"one of several missing", `{"name":"x"}`, new(Item), "id"},
		{"missing in a value and in a nested value", `{"name":"x","tags":[{}]}`, new(Item), "name,id"},
		{"element of an array of user types", `{"id":1,"name":"x","tags":[{"name":"a"},{}]}`, new(Item), "name"},
		{"element of a collection", `[{"id":1,"name":"x"},{"id":2}]`, new(ItemCollection), "name"},
		{"user type error", `{"id":4}`, new(NotFound), "message"},
		{"nested named type", `{"name":"a","origin":{"city":"Paris"}}`, new(Tag), "country"},
		{"nested anonymous object", `{"name":"a","source":{"rank":1}}`, new(Tag), "url"},
		{"anonymous object in an anonymous object", `{"name":"a","source":{"url":"u","meta":{}}}`, new(Tag), "lang"},
		{"every level at once", `{"source":{"meta":{"lang":null}}}`, new(Tag), "name,url,lang"},
		{"anonymous object in an element of an array", `{"id":1,"name":"x","tags":[{"name":"a","source":{}}]}`, new(Item), "url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(c.json), c.into)
			if got := strings.Join(missingFields(t, c.json, err), ","); got != c.want {
				t.Errorf("json.Unmarshal(%s) names %q, want %q (error: %v)", c.json, got, c.want, err)
			}
			for _, n := range strings.Split(c.want, ",") {
				if !strings.Contains(err.Error(), `"`+n+`"`) {
					t.Errorf("error text %q does not name %q", err, n)
				}
			}
		})
	}
}

func TestDecodingAcceptsZeroValuesAndFillsDefaults(t *testing.T) {
	var tag Tag
	if err := json.Unmarshal([]byte(`{"name":""}`), &tag); err != nil || tag.Name != "" {
		t.Errorf(`{"name":""}: %+v, %v; want an empty name, no error`, tag, err)
	}
	tag = Tag{}
	if err := json.Unmarshal([]byte(`{"name":"a","origin":{"country":""},"source":{"url":"","rank":2,"meta":{"lang":""}}}`), &tag); err != nil {
		t.Fatalf("zero values in nested objects: %v", err)
	}
	if tag.Origin == nil || tag.Origin.Country != "" || tag.Source == nil || tag.Source.URL != "" ||
		tag.Source.Rank == nil || *tag.Source.Rank != 2 || tag.Source.Meta == nil || tag.Source.Meta.Lang != "" {
		t.Errorf("decoded %+v (source %+v): want every nested attribute kept", tag, tag.Source)
	}
	tag = Tag{}
	if err := json.Unmarshal([]byte(`{"name":"a","source":null}`), &tag); err != nil || tag.Source != nil || tag.Origin != nil {
		t.Errorf("null source: %+v, %v; want nil nested objects", tag, err)
	}
	var item Item
	if err := json.Unmarshal([]byte(`{"id":0,"name":"","tags":[{"name":"a"}]}`), &item); err != nil {
		t.Fatalf("zero values of required attributes: %v", err)
	}
	if item.ID != 0 || item.Name != "" || item.Status != "new" || len(item.Tags) != 1 || item.Tags[0].Name != "a" {
		t.Errorf("decoded %+v: want the zero values kept, the default status and the tag", item)
	}
	item = Item{Name: "old", Status: "sold", Price: new(float32)}
	if err := json.Unmarshal([]byte(`{"id":3,"name":"pen"}`), &item); err != nil {
		t.Fatal(err)
	}
	if item.ID != 3 || item.Name != "pen" || item.Status != "new" || item.Price != nil {
		t.Errorf("decoded into a used value: %+v, want only the data and the defaults", item)
	}
	// Round trip: what the generated types encode, they decode.
	src := &Tag{Origin: &Origin{}}
	src.Source = &struct {
		URL  string `json:"url"`
		Rank *int   `json:"rank,omitempty"`
		Meta *struct {
			Lang string `json:"lang"`
		} `json:"meta,omitempty"`
	}{}
	b, err := json.Marshal(&Item{ID: 1, Tags: []*Tag{src}})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, new(Item)); err != nil {
		t.Errorf("decoding %s: %v", b, err)
	}
	// Malformed JSON is still a decoding error, not a missing attribute.
	if err := json.Unmarshal([]byte(`{"name":5}`), &tag); err == nil || duplex.CodeOf(err) == duplex.CodeInvalid {
		t.Errorf(`{"name":5}: error %v, want json's type error`, err)
	}
}
