package strictjson_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/internetofgpus/iog/internal/strictjson"
)

var errKind = errors.New("kind")

type inner struct {
	B int `json:"b"`
}

type outer struct {
	A     int    `json:"a,omitempty"`
	Inner *inner `json:"inner"`
}

var schema = strictjson.New("thing", errKind, reflect.TypeFor[outer](), reflect.TypeFor[inner]())

func TestDecode(t *testing.T) {
	var v outer
	require.NoError(t, schema.Decode([]byte(`{"a":1,"inner":{"b":2}}`), &v))
	require.Equal(t, outer{A: 1, Inner: &inner{B: 2}}, v)
	tests := []struct{ name, body, want string }{
		{"unknown", `{"c":1}`, `thing: not a JSON thing object (json: unknown field "c")`},
		{"case", `{"A":1}`, `thing: field "A": not a thing field (names are exact and lower-case)`},
		{"repeated", `{"inner":{"b":1,"b":2}}`, `thing: field "b" is given twice`},
		{"trailing", `{} 1`, `thing: unexpected data after the JSON object`},
		{"type", `{"a":"1"}`, `thing: field "a": want a JSON int`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := schema.Decode([]byte(tt.body), &v)
			require.ErrorIs(t, err, errKind)
			require.EqualError(t, err, tt.want+": kind")
		})
	}
}

func TestSplitJoin(t *testing.T) {
	in, out, err := schema.Split([]byte(` {"a": 1, "x": [1, 2], "\u0061": 3, "y": {"z": null}} `), []string{"a"})
	require.NoError(t, err)
	require.Equal(t, `{"a":1,"a":3}`, string(in))
	require.Equal(t, `{"x":[1, 2],"y":{"z": null}}`, string(out))
	require.Equal(t, `{"a":1,"a":3,"x":[1, 2],"y":{"z": null}}`, string(strictjson.Join(in, out)))
	require.Equal(t, `{"b":1}`, string(strictjson.Join([]byte(`{}`), []byte(`{"b":1}`))))
	require.Equal(t, `{"b":1}`, string(strictjson.Join([]byte(`{"b":1}`), []byte(`{}`))))

	for _, bad := range []string{``, `[1]`, `null`, `{"a":}`, `{"a":1`, `{"a":1} 2`} {
		_, _, err := schema.Split([]byte(bad), nil)
		require.ErrorIs(t, err, errKind, bad)
	}
}
