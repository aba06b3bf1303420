//! Terraform numbers: exact integers, floats, and decimals neither can hold, as go-cty sends them.

use std::fmt;
use std::str::FromStr;

use crate::quote::quote;

/// A cty number, kept exactly as received.
///
/// The representation is canonical, chosen as go-cty's msgpack encoder chooses its wire form:
/// an `i64` when the value is an integer in range, else an `f64` when that holds it exactly,
/// else plain decimal text (Terraform sends `0.1` as the string `"0.1"`, since the `f64`
/// nearest to it is not 0.1). So two numbers are equal exactly when their values are.
#[derive(Debug, Clone, PartialEq)]
pub struct Number(Repr);

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Int(i64),
    /// Fractional, outside the `i64` range, or infinite; never NaN.
    Float(f64),
    /// `-?digits(.digits)?` without redundant zeros, exactly neither an `i64` nor an `f64`.
    Decimal(String),
}

/// A string that is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is not a number", quote(.text))]
pub struct NumberError {
    text: String,
}

/// How far a decimal exponent may move the point: far beyond any real attribute, and small
/// enough that writing the number out in full stays cheap.
const MAX_EXPONENT: i64 = 4096;

/// 2^63, the first integer past `i64`; exact as an `f64`.
const TWO_POW_63: f64 = (1u64 << 63) as f64;

/// An `f64`'s exact decimal expansion is at most this long (the smallest subnormal has 1074
/// fractional digits); longer text cannot be an `f64`.
const MAX_F64_TEXT: usize = 1100;

impl Number {
    /// The number for `value`, or `None` for NaN, which cty has no room for.
    pub fn from_f64(value: f64) -> Option<Self> {
        if value.is_nan() {
            None
        } else if value.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&value) {
            // In range and integral, so the cast is exact; -0.0 becomes 0 as in go-cty.
            Some(Self(Repr::Int(value as i64)))
        } else {
            Some(Self(Repr::Float(value)))
        }
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Int(i) => Some(i),
            Repr::Float(_) | Repr::Decimal(_) => None,
        }
    }

    /// The nearest `f64` (infinite when out of range).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(i) => *i as f64,
            Repr::Float(f) => *f,
            // Decimal text always parses; it was checked on the way in.
            Repr::Decimal(text) => text.parse().unwrap_or(f64::NAN),
        }
    }

    /// The wire form go-cty's msgpack encoder picks: integer, float64, or decimal string.
    pub(super) fn to_msgpack(&self) -> rmpv::Value {
        match &self.0 {
            Repr::Int(i) => rmpv::Value::from(*i),
            Repr::Float(f) => rmpv::Value::F64(*f),
            Repr::Decimal(text) => rmpv::Value::from(text.as_str()),
        }
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Self(Repr::Int(value))
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Self {
        Self(Repr::Int(value.into()))
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        if let Ok(i) = i64::try_from(value) {
            return Self(Repr::Int(i));
        }
        let float = value as f64;
        // Compared in u128 because the nearest f64 to u64::MAX is 2^64, which u64 cannot hold.
        if float as u128 == u128::from(value) {
            Self(Repr::Float(float))
        } else {
            Self(Repr::Decimal(value.to_string()))
        }
    }
}

/// Parses decimal text as Go's `big.ParseFloat` in base 10 does (which go-cty uses for
/// numbers sent as strings): an optional sign, digits with an optional point and exponent,
/// or `Inf`.
impl FromStr for Number {
    type Err = NumberError;

    fn from_str(text: &str) -> Result<Self, NumberError> {
        parse(text).ok_or_else(|| NumberError {
            text: text.to_owned(),
        })
    }
}

fn parse(text: &str) -> Option<Number> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned.eq_ignore_ascii_case("inf") {
        let inf = if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Number(Repr::Float(inf)));
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], parse_exponent(&unsigned[at + 1..])?),
        None => (unsigned, 0),
    };
    let (int_digits, frac_digits) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_digits.len() + frac_digits.len() == 0
        || !all_digits(int_digits)
        || !all_digits(frac_digits)
    {
        return None;
    }

    // The significant digits, and where the point sits relative to the first of them.
    let digits: Vec<u8> = int_digits.bytes().chain(frac_digits.bytes()).collect();
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    let trailing = digits[leading..]
        .iter()
        .rev()
        .take_while(|&&d| d == b'0')
        .count();
    let significant = &digits[leading..digits.len() - trailing];
    if significant.is_empty() {
        return Some(Number(Repr::Int(0)));
    }
    let point = i64::try_from(int_digits.len()).ok()? - i64::try_from(leading).ok()? + exponent;
    let plain = render_plain(negative, significant, point)?;
    Some(classify(
        plain,
        point >= i64::try_from(significant.len()).ok()?,
    ))
}

fn parse_exponent(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Anything longer than this is out of range anyway; saturate rather than overflow.
    let magnitude: i64 = if digits.len() > 12 {
        i64::MAX
    } else {
        digits.parse().ok()?
    };
    if magnitude > MAX_EXPONENT {
        return None;
    }
    Some(if text.starts_with('-') {
        -magnitude
    } else {
        magnitude
    })
}

/// Writes `0.000ddd`, `ddd000` or `dd.ddd`, as Go's `Text('f', -1)` does.
fn render_plain(negative: bool, significant: &[u8], point: i64) -> Option<String> {
    let len = i64::try_from(significant.len()).ok()?;
    let zeros = |n: i64| "0".repeat(usize::try_from(n).unwrap_or(0));
    let digits = std::str::from_utf8(significant).ok()?;
    let mut out = String::from(if negative { "-" } else { "" });
    if point <= 0 {
        out.push_str("0.");
        out.push_str(&zeros(-point));
        out.push_str(digits);
    } else if point >= len {
        out.push_str(digits);
        out.push_str(&zeros(point - len));
    } else {
        let (int, frac) = digits.split_at(usize::try_from(point).ok()?);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

fn classify(plain: String, integral: bool) -> Number {
    if integral && let Ok(i) = plain.parse::<i64>() {
        return Number(Repr::Int(i));
    }
    if plain.len() <= MAX_F64_TEXT
        && let Ok(float) = plain.parse::<f64>()
        && float.is_finite()
        && exact_decimal(float) == plain
    {
        return Number(Repr::Float(float));
    }
    Number(Repr::Decimal(plain))
}

/// The exact decimal expansion of a finite `f64`, without trailing zeros.
fn exact_decimal(value: f64) -> String {
    // A float is m·2^e; once m is odd, its expansion has exactly -e fractional digits when e < 0.
    let bits = value.to_bits();
    let biased = i64::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    let exponent = exponent + i64::from(mantissa.trailing_zeros());
    let digits = if mantissa == 0 || exponent >= 0 {
        0
    } else {
        -exponent
    };
    // Rust's fixed-precision float formatting is exact, not shortest-round-trip.
    format!(
        "{value:.prec$}",
        prec = usize::try_from(digits).unwrap_or(0)
    )
}

/// The number as Go's `big.Float.Text('f', -1)` writes it, which is what go-cty puts in JSON:
/// no exponent, and for fractions the shortest digits that read back to the same float.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::Float(v) if v.is_infinite() => {
                f.write_str(if *v > 0.0 { "+Inf" } else { "-Inf" })
            }
            // Integers beyond i64 in full, since they are exact: what go-cty writes for one
            // that came from configuration (rather than its shortest text, 9223372036854776000
            // for 2^63, which reads back as a different number).
            Repr::Float(v) if v.fract() == 0.0 => write!(f, "{v:.0}"),
            // Rust prints floats in full positional form with the shortest round-trip digits.
            Repr::Float(v) => write!(f, "{v}"),
            Repr::Decimal(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn num(text: &str) -> Number {
        text.parse().unwrap()
    }

    #[test]
    fn integers_in_range_are_int() {
        assert_eq!(num("42"), Number::from(42));
        assert_eq!(num("-0"), Number::from(0));
        assert_eq!(num("+007.000"), Number::from(7));
        assert_eq!(num("1e3"), Number::from(1000));
        assert_eq!(num("1500e-2"), Number::from(15));
        assert_eq!(num("-9223372036854775808"), Number::from(i64::MIN));
        assert_eq!(Number::from_f64(-0.0), Some(Number::from(0)));
        assert_eq!(Number::from_f64(3.0), Some(Number::from(3)));
        assert_eq!(
            Number::from(u64::try_from(i64::MAX).unwrap()),
            Number::from(i64::MAX)
        );
    }

    #[test]
    fn exact_binary_fractions_are_float() {
        assert_eq!(num("0.5"), Number::from_f64(0.5).unwrap());
        assert_eq!(num("-2.25"), Number::from_f64(-2.25).unwrap());
        // 2^63 is just past i64 but exactly an f64.
        assert_eq!(
            num("9223372036854775808"),
            Number::from_f64(TWO_POW_63).unwrap()
        );
        assert_eq!(
            Number::from(1u64 << 63),
            Number::from_f64(TWO_POW_63).unwrap()
        );
        assert_eq!(
            num("1e300"),
            Number(Repr::Decimal(format!("1{}", "0".repeat(300))))
        );
        assert_eq!(Number::from(1u64 << 63).to_string(), "9223372036854775808");
        assert_eq!(num("1e300").to_string(), format!("1{}", "0".repeat(300)));
        assert_eq!(
            Number::from_f64(1e300)
                .unwrap()
                .to_string()
                .parse::<Number>()
                .unwrap(),
            Number::from_f64(1e300).unwrap()
        );
        // The smallest subnormal, written out in full, is that float.
        let tiny = exact_decimal(5e-324);
        assert_eq!(num(&tiny), Number::from_f64(5e-324).unwrap());
    }

    #[test]
    fn everything_else_is_decimal_text() {
        assert_eq!(num("0.1"), Number(Repr::Decimal("0.1".into())));
        assert_eq!(num("0.10"), num(".1"));
        assert_eq!(num("1.5e-1").to_string(), "0.15");
        assert_eq!(
            num("-123456789012345678901234567890").to_string(),
            "-123456789012345678901234567890"
        );
        assert_eq!(
            Number::from(u64::MAX),
            Number(Repr::Decimal("18446744073709551615".into()))
        );
        assert!((num("0.1").as_f64() - 0.1).abs() < f64::EPSILON);
        assert_eq!(num("0.1").as_i64(), None);
    }

    #[test]
    fn exact_expansion_is_exact() {
        assert_eq!(
            exact_decimal(0.1),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(exact_decimal(0.5), "0.5");
        assert_eq!(exact_decimal(0.0), "0");
        assert_eq!(exact_decimal(-8.0), "-8");
    }

    #[test]
    fn infinities_and_nan() {
        assert_eq!(num("Inf").to_string(), "+Inf");
        assert_eq!(num("-inf").to_string(), "-Inf");
        assert_eq!(num("+Inf").to_string(), "+Inf");
        assert_eq!(Number::from_f64(f64::NAN), None);
    }

    /// Each refused text beside a near miss that is a number, so that a parser refusing
    /// everything fails here too.
    #[test]
    fn rejects_what_is_not_a_number() {
        for (bad, good) in [
            ("", "0"),
            ("-", "-1"),
            (".", ".5"),
            ("e5", "1e5"),
            ("1e", "1e0"),
            ("1e+", "1e+1"),
            ("1.2.3", "1.23"),
            ("0x10", "010"),
            ("1_000", "1000"),
            (" 1", "+1"),
            ("1 ", "1."),
            ("NaN", "Inf"),
            ("1e99999", "1e4096"),
            ("1e-4097", "1e-4096"),
            ("١", "1"),
        ] {
            assert!(bad.parse::<Number>().is_err(), "{bad:?} parsed");
            assert!(
                good.parse::<Number>().is_ok(),
                "{good:?} (beside {bad:?}) refused"
            );
        }
        assert_eq!(
            "x".parse::<Number>().unwrap_err().to_string(),
            "\"x\" is not a number"
        );
    }

    proptest! {
        #[test]
        fn floats_display_as_text_that_reads_back(
            f in any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
        ) {
            let n = Number::from_f64(f).unwrap();
            let unsigned_zero = if f == 0.0 { 0.0 } else { f };
            let text = n.to_string();
            prop_assert!(!text.contains('e'));
            // Shortest, as Go's Text('f', -1): the text names the float but need not be its
            // exact value, so it may read back as a decimal.
            prop_assert_eq!(text.parse::<Number>().unwrap().as_f64(), unsigned_zero);
            prop_assert_eq!(n.as_f64(), unsigned_zero);
        }

        #[test]
        fn integers_display_and_parse_back(i in any::<i64>(), u in any::<u64>()) {
            prop_assert_eq!(i.to_string().parse::<Number>().unwrap(), Number::from(i));
            prop_assert_eq!(u.to_string().parse::<Number>().unwrap(), Number::from(u));
        }

        /// Text in and around the grammar: what fits it parses, as the value Rust's own
        /// float parser rounds it to and displaying as text that parses back to it; the rest is
        /// refused.
        #[test]
        fn parses_exactly_decimal_text_and_displays_it_back(
            sign in "[-+]?",
            int in "[0-9]{0,30}",
            frac in proptest::option::of("[0-9]{0,30}"),
            exp in proptest::option::of(("[eE][-+]?", "[0-9]{0,5}")),
        ) {
            let mut text = format!("{sign}{int}");
            if let Some(frac) = &frac {
                text += &format!(".{frac}");
            }
            if let Some((e, digits)) = &exp {
                text += &format!("{e}{digits}");
            }
            let digits = int.len() + frac.as_ref().map_or(0, String::len);
            let exponent_fits = exp.as_ref().is_none_or(|(_, digits)| {
                digits.parse::<i64>().is_ok_and(|e| e <= MAX_EXPONENT)
            });
            match text.parse::<Number>() {
                Ok(n) => {
                    prop_assert!(digits > 0 && exponent_fits, "{text:?} parsed");
                    prop_assert_eq!(n.as_f64(), text.parse::<f64>().unwrap(), "{}", text);
                    prop_assert_eq!(n.to_string().parse::<Number>().unwrap(), n);
                }
                Err(_) => prop_assert!(digits == 0 || !exponent_fits, "{text:?} refused"),
            }
        }
    }
}
