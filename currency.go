package iog

import (
	"fmt"
	"strings"
)

// Currency identifies what an Amount is counted in. The zero value is not a
// currency: operations on it fail with ErrInvalid.
type Currency uint8

// The currencies of the network. Each has a fixed number of decimal places,
// and amounts are integers of its smallest unit (its base unit).
const (
	// IO is the network's native token, $IO on Solana: 8 decimal places.
	IO Currency = iota + 1
	// IOSD is the credit token pegged 1:1 to the US dollar, minted only by
	// burning IO: 8 decimal places.
	IOSD
	// USDC is Circle's dollar stablecoin as issued on Solana: 6 decimal places.
	USDC
	// USD is the US dollar as a unit of account for prices and quotes. It
	// carries 8 decimal places, the same as IOSD, so the 1:1 peg converts
	// without rounding in either direction.
	USD
)

type currencyInfo struct {
	code     string
	decimals uint8
}

var currencyTable = [...]currencyInfo{
	IO:   {"IO", 8},
	IOSD: {"IOSD", 8},
	USDC: {"USDC", 6},
	USD:  {"USD", 8},
}

// Currencies lists every valid currency, in declaration order.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencyTable)-1)
	for c := range currencyTable {
		if c != 0 {
			out = append(out, Currency(c))
		}
	}
	return out
}

// Valid reports whether c is one of the declared currencies.
func (c Currency) Valid() bool { return c != 0 && int(c) < len(currencyTable) }

// Decimals returns the number of decimal places of c's base unit: one whole
// unit is 10^Decimals base units. It is 0 for an invalid currency.
func (c Currency) Decimals() int {
	if !c.Valid() {
		return 0
	}
	return int(currencyTable[c].decimals)
}

// String returns the currency's code, such as "IO" or "USDC".
func (c Currency) String() string {
	if !c.Valid() {
		return fmt.Sprintf("Currency(%d)", uint8(c))
	}
	return currencyTable[c].code
}

// ParseCurrency parses a currency code. Codes are matched without regard to
// case, and may carry the leading '$' of ticker notation ("$IO").
func ParseCurrency(s string) (Currency, error) {
	code := strings.TrimPrefix(s, "$")
	for c, info := range currencyTable {
		if c != 0 && strings.EqualFold(code, info.code) {
			return Currency(c), nil
		}
	}
	return 0, invalidf("unknown currency %q (known: %s)", s, knownCurrencies())
}

func knownCurrencies() string {
	codes := make([]string, 0, len(currencyTable)-1)
	for _, c := range Currencies() {
		codes = append(codes, c.String())
	}
	return strings.Join(codes, ", ")
}

// MarshalText implements encoding.TextMarshaler with the currency's code.
func (c Currency) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, invalidf("marshal currency: %v is not a currency", c)
	}
	return []byte(c.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseCurrency. On
// error c is left unchanged.
func (c *Currency) UnmarshalText(text []byte) error { return unmarshalWith(c, text, ParseCurrency) }

// invalidf returns an error of kind ErrInvalid whose text is the formatted
// message.
func invalidf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrInvalid)...)
}

// unmarshalWith sets *dst to parse(text), leaving it unchanged on error:
// the shared body of the UnmarshalText methods.
func unmarshalWith[T any](dst *T, text []byte, parse func(string) (T, error)) error {
	v, err := parse(string(text))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
