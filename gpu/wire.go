package gpu

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// writer appends the fixed-width, length-prefixed fields of the report
// encoding. Strings are at most 255 bytes; encode checks lengths first.
type writer struct{ b []byte }

func (w *writer) u8(v uint8)   { w.b = append(w.b, v) }
func (w *writer) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) u64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *writer) raw(v []byte) { w.b = append(w.b, v...) }
func (w *writer) str(s string) { w.u8(uint8(len(s))); w.b = append(w.b, s...) }
func (w *writer) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

// errShort and errBadField are the decoder's failures; decode wraps them
// with iog.ErrInvalid and where they happened.
var (
	errShort    = errors.New("ends early")
	errBadField = errors.New("malformed field")
)

// reader consumes the encoding; the first failure sticks and every later
// read returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.err = errShort
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// str reads a length-prefixed string, which must be valid UTF-8.
func (r *reader) str() string { return r.strLike("") }

// strLike is str that returns same, without allocating, when the string
// read equals it: the GPUs of one host mostly share a vendor and a model.
func (r *reader) strLike(same string) string {
	n := r.u8()
	b := r.take(int(n))
	if r.err != nil {
		return ""
	}
	if string(b) == same {
		return same
	}
	if !utf8.Valid(b) {
		r.err = errBadField
		return ""
	}
	return string(b)
}

// boolean reads 0 or 1; any other byte is malformed, so that each report
// has exactly one encoding.
func (r *reader) boolean() bool {
	switch r.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	if r.err == nil {
		r.err = errBadField
	}
	return false
}

// count reads a length of at most limit.
func (r *reader) count(limit int) int {
	n := int(r.u8())
	if n > limit && r.err == nil {
		r.err = errBadField
		return 0
	}
	return n
}
