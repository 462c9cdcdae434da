package njtapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// JKind is the type of a JSON value read by Decode.
type JKind int

// JSON value types.
const (
	JNull JKind = iota
	JBool
	JNumber
	JString
	JArray
	JObject
)

// JValue is a JSON value with object members kept in order, as
// OpenNJet's own JSON reader (njt_json) keeps them for the instruction
// APIs (dyn_loc, dyn_srv) and split_clients_2.
type JValue struct {
	Kind    JKind
	Str     string // a string, or a number's text
	Bool    bool
	Members []Member
	Elems   []*JValue
}

// Member is one object member.
type Member struct {
	Key string
	Val *JValue
}

// Get returns the first member called key (njt_struct_find).
func (v *JValue) Get(key string) (*JValue, bool) {
	if v == nil || v.Kind != JObject {
		return nil, false
	}
	for _, m := range v.Members {
		if m.Key == key {
			return m.Val, true
		}
	}
	return nil, false
}

// IsInt reports whether v is a number written as an integer.
func (v *JValue) IsInt() bool {
	return v != nil && v.Kind == JNumber && !strings.ContainsAny(v.Str, ".eE")
}

// Decode reads a body holding exactly one JSON value.
func Decode(b []byte) (*JValue, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func decodeValue(d *json.Decoder) (*JValue, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			v := &JValue{Kind: JObject}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				mv, err := decodeValue(d)
				if err != nil {
					return nil, err
				}
				v.Members = append(v.Members, Member{Key: k.(string), Val: mv})
			}
			_, err := d.Token()
			return v, err
		}
		v := &JValue{Kind: JArray}
		for d.More() {
			ev, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			v.Elems = append(v.Elems, ev)
		}
		_, err := d.Token()
		return v, err
	case string:
		return &JValue{Kind: JString, Str: t}, nil
	case json.Number:
		return &JValue{Kind: JNumber, Str: string(t)}, nil
	case bool:
		return &JValue{Kind: JBool, Bool: t}, nil
	default:
		return &JValue{Kind: JNull}, nil
	}
}
