// Package strictjson decodes JSON objects of outside input strictly, so
// that a body reads one way only: unknown fields, names not spelled
// exactly as the wire form's or given twice, and trailing data are
// refused, where encoding/json alone would match a name in another case
// (or a Unicode folding, "ſcore" for "score") and keep the last of
// repeated names. Either would let a request be read one way by a proxy or
// a log and another by the program.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/internetofgpus/iog/internal/errtext"
)

// Schema is the strict wire form of one kind of JSON object.
type Schema struct {
	what  string
	kind  error
	names []string
}

// New returns the schema of the wire types given, the first the object's
// and the others those of objects nested in it: every name their json
// tags give is allowed at any depth. what names the object in error
// messages ("request"), and every error a Schema returns wraps kind (the
// callers' iog.ErrInvalid, which this package cannot import).
func New(what string, kind error, types ...reflect.Type) *Schema {
	s := &Schema{what: what, kind: kind}
	for _, t := range types {
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			s.names = append(s.names, name)
		}
	}
	return s
}

// Errorf returns an error of the schema's kind whose text is the
// formatted message after the object's name.
func (s *Schema) Errorf(format string, args ...any) error {
	return fmt.Errorf(s.what+": "+format+": %w", append(args, s.kind)...)
}

// Decode decodes data, one JSON object of the schema, into v, a pointer
// to the first wire type. Errors of v's own fields that are of the
// schema's kind are kept, with the object's name before them.
func (s *Schema) Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return s.jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return s.Errorf("unexpected data after the JSON object")
	}
	return s.checkNames(data)
}

// jsonError turns a decoding error into one a user can act on.
func (s *Schema) jsonError(err error) error {
	if errors.Is(err, s.kind) {
		return fmt.Errorf("%s: %w", s.what, err)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return s.Errorf("field %q: want a JSON %s", typeErr.Field, typeErr.Type)
	}
	return s.Errorf("not a JSON %s object (%v)", s.what, err)
}

// checkNames refuses object names that are not exactly one of the
// schema's and names repeated in one object. data is one JSON value that
// has decoded without error.
func (s *Schema) checkNames(data []byte) error {
	type frame struct {
		object, wantName bool
		seen             []string
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantName = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or a syntax error Decode has reported
		}
		if n := len(stack); n > 0 && stack[n-1].wantName {
			if name, ok := tok.(string); ok {
				top := &stack[n-1]
				switch {
				case !slices.Contains(s.names, name):
					return s.Errorf("field %q: not a %s field (names are exact and lower-case)", errtext.Clip(name), s.what)
				case slices.Contains(top.seen, name):
					return s.Errorf("field %q is given twice", errtext.Clip(name))
				}
				top.seen, top.wantName = append(top.seen, name), false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, wantName: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// Split divides the members of data, one JSON object, into two objects:
// those named exactly as one of names, and the others, each in the order
// given. A wire form that is another's with more fields decodes each part
// with its own schema. Names are matched after JSON unescaping, as
// encoding/json matches them, and written again escaped; a repeated name
// lands twice in one part, for that part's Decode to refuse.
func (s *Schema) Split(data []byte, names []string) (in, out []byte, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil {
		return nil, nil, s.Errorf("not a JSON %s object (%v)", s.what, err)
	} else if tok != json.Delim('{') {
		return nil, nil, s.Errorf("want a JSON object, not %v", errtext.Clip(fmt.Sprint(tok)))
	}
	in, out = []byte{'{'}, []byte{'{'}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, s.Errorf("not a JSON %s object (%v)", s.what, err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, s.Errorf("not a JSON %s object (a name is not a string)", s.what)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, nil, s.Errorf("not a JSON %s object (%v)", s.what, err)
		}
		part := &out
		if slices.Contains(names, name) {
			part = &in
		}
		if len(*part) > 1 {
			*part = append(*part, ',')
		}
		quoted, _ := json.Marshal(name) // a string always marshals
		*part = append(append(append(*part, quoted...), ':'), value...)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, s.Errorf("not a JSON %s object (%v)", s.what, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, s.Errorf("unexpected data after the JSON object")
	}
	return append(in, '}'), append(out, '}'), nil
}

// Join returns the members of a and b, two JSON objects as json.Marshal
// writes them, as one object: a's, then b's.
func Join(a, b []byte) []byte {
	switch {
	case len(a) <= 2:
		return b
	case len(b) <= 2:
		return a
	}
	return append(append(a[:len(a)-1:len(a)-1], ','), b[1:]...)
}
