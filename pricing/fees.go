package pricing

import (
	"fmt"

	"github.com/internetofgpus/iog"
)

// FeeSchedule is the network's fee rates on a rental. It is the one place
// the project's fees are defined: the quote shows its lines to the renter,
// and tokenomics takes the same lines for buyback-and-burn.
//
// Renters pay the rental price plus a reservation fee and, when paying in
// USDC, a currency fee; suppliers receive the price less their own
// reservation fee and, when paid out in USDC, a payout fee. IO payments and
// payouts carry no currency fee, and IOSD credits pay like IO, at 1 USD each
// (the quote converts a USD price 1:1 into IOSD).
//
// The renter's rates are io.net's, from io.net's documentation: 0.25% on
// reservation, 2% more on USDC, nothing more on IO. That suppliers pay the
// same rates on their side is an assumption of this project: the
// documentation states the rates, not that suppliers are charged them.
//
// The zero FeeSchedule charges nothing; DefaultFees is the network's.
type FeeSchedule struct {
	// RenterReservation is taken from the renter on every rental: 0.25%,
	// from io.net's documentation.
	RenterReservation iog.Rate
	// RenterUSDC is taken from a renter who pays in USDC: 2%, from
	// io.net's documentation (nothing on IO).
	RenterUSDC iog.Rate
	// SupplierReservation is taken from the supplier's earnings: 0.25%,
	// the renter's rate, an assumption of this project.
	SupplierReservation iog.Rate
	// SupplierUSDC is taken from a supplier paid out in USDC: 2%, the
	// renter's rate, an assumption of this project.
	SupplierUSDC iog.Rate
	// Rounding rounds each fee line to a base unit; the zero value means
	// iog.RoundHalfEven. Whatever it rounds to, the lines conserve.
	Rounding iog.Rounding
}

// DefaultFees returns the network's fee schedule: renters 0.25% plus 2% in
// USDC, nothing extra in IO or IOSD (io.net's documentation); suppliers
// 0.25% plus 2% on USDC payouts (an assumption of this project).
func DefaultFees() FeeSchedule {
	return FeeSchedule{
		RenterReservation:   iog.BasisPoints(25),
		RenterUSDC:          iog.BasisPoints(200),
		SupplierReservation: iog.BasisPoints(25),
		SupplierUSDC:        iog.BasisPoints(200),
	}
}

// FeeKind names a fee line.
type FeeKind uint8

// The fee lines of a rental, in the order Fees.Lines lists them.
const (
	// RenterReservationFee is the renter's reservation fee.
	RenterReservationFee FeeKind = iota
	// RenterCurrencyFee is the renter's fee for the payment currency
	// (USDC); zero in IO and IOSD.
	RenterCurrencyFee
	// SupplierReservationFee is the supplier's reservation fee.
	SupplierReservationFee
	// SupplierCurrencyFee is the supplier's fee for the payout currency
	// (USDC); zero in IO.
	SupplierCurrencyFee
)

var feeKindNames = [...]string{
	"renter reservation fee", "renter currency fee",
	"supplier reservation fee", "supplier currency fee",
}

// String returns the line's name, such as "renter reservation fee".
func (k FeeKind) String() string {
	if int(k) >= len(feeKindNames) {
		return fmt.Sprintf("FeeKind(%d)", uint8(k))
	}
	return feeKindNames[k]
}

// FeeLine is one fee of a rental: its kind, the rate applied to the price,
// and the exact amount taken, in the payment currency.
type FeeLine struct {
	// Kind says which fee the line is.
	Kind FeeKind
	// Rate is the share of the price taken; zero when the fee does not
	// apply to the payment or payout currency.
	Rate iog.Rate
	// Amount is Rate of the price, rounded to a base unit, in the
	// payment currency.
	Amount iog.Amount
}

// Fees is how one rental price divides between the renter, the supplier
// and the network. Every amount is in the payment currency, and they
// conserve exactly:
//
//	RenterPays = SupplierReceives + Total
//
// where Total is the sum of the four fee lines. Check verifies it.
type Fees struct {
	// Price is the rental price the fees are taken on.
	Price iog.Amount
	// Payout is the currency the supplier is paid out in; it decides the
	// supplier's currency fee. The amounts stay in Price's currency.
	Payout iog.Currency
	// RenterPays is Price plus the renter's fees.
	RenterPays iog.Amount
	// SupplierReceives is Price less the supplier's fees.
	SupplierReceives iog.Amount
	// RenterReservation, RenterCurrency, SupplierReservation and
	// SupplierCurrency are the fee lines; a line whose rate does not apply
	// is zero.
	RenterReservation, RenterCurrency, SupplierReservation, SupplierCurrency FeeLine
	// Total is the sum of the fee lines: what the network keeps.
	Total iog.Amount
}

// Lines returns the four fee lines in FeeKind order.
func (f Fees) Lines() [4]FeeLine {
	return [4]FeeLine{f.RenterReservation, f.RenterCurrency, f.SupplierReservation, f.SupplierCurrency}
}

// paymentCurrencies are the currencies a renter may pay in.
var paymentCurrencies = [...]iog.Currency{iog.IO, iog.USDC, iog.IOSD}

// CheckPayment returns nil when a renter may pay in c, and otherwise an
// iog.ErrInvalid error that says which currencies are accepted.
func CheckPayment(c iog.Currency) error {
	for _, ok := range paymentCurrencies {
		if c == ok {
			return nil
		}
	}
	if c == iog.USD {
		return fmt.Errorf("payment currency USD: USD is a unit of account; pay in IO, USDC or IOSD: %w", iog.ErrInvalid)
	}
	return fmt.Errorf("payment currency %v: unknown; pay in IO, USDC or IOSD: %w", c, iog.ErrInvalid)
}

// CheckPayout returns nil when a supplier may be paid out in c (IO or
// USDC), and otherwise an iog.ErrInvalid error.
func CheckPayout(c iog.Currency) error {
	if c == iog.IO || c == iog.USDC {
		return nil
	}
	return fmt.Errorf("payout currency %v: suppliers are paid out in IO or USDC: %w", c, iog.ErrInvalid)
}

// Apply divides price, paid by the renter in price's currency, with the
// supplier paid out in payout. price must be a non-negative amount in a
// payment currency (IO, USDC or IOSD) and payout IO or USDC; anything else
// is iog.ErrInvalid, and so are supplier fees that, rounded, exceed the
// price (only possible with rates above 50% or rounding up on a price of a
// few base units). A price so large that a line overflows is
// iog.ErrOverflow.
func (s FeeSchedule) Apply(price iog.Amount, payout iog.Currency) (Fees, error) {
	if err := price.CheckNonNegative("rental price"); err != nil {
		return Fees{}, fmt.Errorf("fees: %w", err)
	}
	if err := CheckPayment(price.Currency()); err != nil {
		return Fees{}, fmt.Errorf("fees: %w", err)
	}
	if err := CheckPayout(payout); err != nil {
		return Fees{}, fmt.Errorf("fees: %w", err)
	}
	mode := s.Rounding
	if mode == 0 {
		mode = iog.RoundHalfEven
	}
	f := Fees{Price: price, Payout: payout}
	var err error
	line := func(kind FeeKind, r iog.Rate, applies bool) FeeLine {
		if !applies {
			r = iog.Rate{}
		}
		l := FeeLine{Kind: kind, Rate: r, Amount: iog.Zero(price.Currency())}
		if err == nil {
			l.Amount, err = price.MulRate(r, mode)
		}
		return l
	}
	f.RenterReservation = line(RenterReservationFee, s.RenterReservation, true)
	f.RenterCurrency = line(RenterCurrencyFee, s.RenterUSDC, price.Currency() == iog.USDC)
	f.SupplierReservation = line(SupplierReservationFee, s.SupplierReservation, true)
	f.SupplierCurrency = line(SupplierCurrencyFee, s.SupplierUSDC, payout == iog.USDC)
	if err != nil {
		return Fees{}, fmt.Errorf("fees on %v: %w", price, err)
	}
	renterFees, err := f.RenterReservation.Amount.Add(f.RenterCurrency.Amount)
	if err == nil {
		f.RenterPays, err = price.Add(renterFees)
	}
	var supplierFees iog.Amount
	if err == nil {
		supplierFees, err = f.SupplierReservation.Amount.Add(f.SupplierCurrency.Amount)
	}
	if err == nil {
		f.SupplierReceives, err = price.Sub(supplierFees)
	}
	if err == nil {
		f.Total, err = renterFees.Add(supplierFees)
	}
	if err != nil {
		return Fees{}, fmt.Errorf("fees on %v: %w", price, err)
	}
	if f.SupplierReceives.Sign() < 0 {
		return Fees{}, fmt.Errorf("fees on %v: supplier fees %v exceed the price: %w", price, supplierFees, iog.ErrInvalid)
	}
	return f, nil
}

// Check verifies that f conserves: the fee lines add up to Total, and
// RenterPays = SupplierReceives + Total. It returns nil for every Fees that
// Apply returns; a Fees read from elsewhere may fail it with
// iog.ErrInvalid.
func (f Fees) Check() error {
	sum := iog.Zero(f.Price.Currency())
	for _, l := range f.Lines() {
		var err error
		if sum, err = sum.Add(l.Amount); err != nil {
			return fmt.Errorf("fees: %w", err)
		}
	}
	if sum != f.Total {
		return fmt.Errorf("fees: lines add up to %v, not the total %v: %w", sum, f.Total, iog.ErrInvalid)
	}
	want, err := f.SupplierReceives.Add(f.Total)
	if err != nil {
		return fmt.Errorf("fees: %w", err)
	}
	if want != f.RenterPays {
		return fmt.Errorf("fees: renter pays %v but supplier receives %v and fees are %v: %w",
			f.RenterPays, f.SupplierReceives, f.Total, iog.ErrInvalid)
	}
	return nil
}
