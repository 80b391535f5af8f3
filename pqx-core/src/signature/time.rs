//! `SignatureTime` (ECMA-376 Part 2 §13.2.4.22 / W3C "Date and Time Formats").
//!
//! The `Format` element names one of six W3C-DTF patterns and `Value` must match it. .NET
//! crashes on an unknown Format, so pqx writes exactly the default one,
//! `YYYY-MM-DDThh:mm:ss.sTZD`, with one fractional digit and a `±hh:mm` offset, as .NET does.

use crate::error::{Error, Result};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The Format pqx writes.
pub const DEFAULT_FORMAT: &str = "YYYY-MM-DDThh:mm:ss.sTZD";

/// The six legal Format strings.
pub const FORMATS: [&str; 6] = [
    "YYYY-MM-DDThh:mm:ss.sTZD",
    "YYYY-MM-DDThh:mm:ssTZD",
    "YYYY-MM-DDThh:mmTZD",
    "YYYY-MM-DD",
    "YYYY-MM",
    "YYYY",
];

/// Formats `t` (converted to UTC) as .NET writes it: `2026-11-23T07:00:00.0+00:00`.
pub fn format_default(t: OffsetDateTime) -> String {
    // `parse` only returns times representable in UTC; the fallback keeps a hand-built
    // out-of-range value from panicking.
    let t = t.checked_to_offset(UtcOffset::UTC).unwrap_or(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{}+00:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond() / 100
    )
}

/// Parses `value` according to `format`, which must be one of [`FORMATS`].
pub fn parse(format: &str, value: &str) -> Result<OffsetDateTime> {
    let bad = || {
        Error::signature_format(
            "SignatureTime",
            format!("value {value:?} does not match format {format:?}"),
        )
    };
    if !FORMATS.contains(&format) {
        return Err(Error::signature_format(
            "SignatureTime",
            format!("unknown format {format:?}"),
        ));
    }
    let num = |s: &str, len: usize| -> Result<u32> {
        if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let year_s = value.get(0..4).ok_or_else(bad)?;
    let year = i32::try_from(num(year_s, 4)?).map_err(|_| bad())?;
    let (month, day, rest) = match format {
        "YYYY" => {
            if value.len() != 4 {
                return Err(bad());
            }
            (1, 1, "")
        }
        "YYYY-MM" => {
            if value.len() != 7 || value.get(4..5) != Some("-") {
                return Err(bad());
            }
            (num(value.get(5..7).ok_or_else(bad)?, 2)?, 1, "")
        }
        _ => {
            if value.get(4..5) != Some("-") || value.get(7..8) != Some("-") {
                return Err(bad());
            }
            (
                num(value.get(5..7).ok_or_else(bad)?, 2)?,
                num(value.get(8..10).ok_or_else(bad)?, 2)?,
                value.get(10..).ok_or_else(bad)?,
            )
        }
    };
    let month = Month::try_from(u8::try_from(month).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).map_err(|_| bad())?)
        .map_err(|_| bad())?;
    if format == "YYYY-MM-DD" || format == "YYYY-MM" || format == "YYYY" {
        if !rest.is_empty() {
            return Err(bad());
        }
        return Ok(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    let rest = rest.strip_prefix('T').ok_or_else(bad)?;
    let hh = num(rest.get(0..2).ok_or_else(bad)?, 2)?;
    if rest.get(2..3) != Some(":") {
        return Err(bad());
    }
    let mm = num(rest.get(3..5).ok_or_else(bad)?, 2)?;
    let mut tail = rest.get(5..).ok_or_else(bad)?;
    let (mut ss, mut nanos) = (0, 0);
    if format != "YYYY-MM-DDThh:mmTZD" {
        tail = tail.strip_prefix(':').ok_or_else(bad)?;
        ss = num(tail.get(0..2).ok_or_else(bad)?, 2)?;
        tail = tail.get(2..).ok_or_else(bad)?;
        if format == "YYYY-MM-DDThh:mm:ss.sTZD" {
            tail = tail.strip_prefix('.').ok_or_else(bad)?;
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return Err(bad());
            }
            let frac = tail.get(..digits).ok_or_else(bad)?;
            nanos = format!("{frac:0<9}").parse::<u32>().map_err(|_| bad())?;
            tail = tail.get(digits..).ok_or_else(bad)?;
        }
    }
    let offset = match tail {
        "Z" => UtcOffset::UTC,
        t if t.len() == 6
            && (t.starts_with('+') || t.starts_with('-'))
            && t.get(3..4) == Some(":") =>
        {
            let oh = i8::try_from(num(t.get(1..3).ok_or_else(bad)?, 2)?).map_err(|_| bad())?;
            let om = i8::try_from(num(t.get(4..6).ok_or_else(bad)?, 2)?).map_err(|_| bad())?;
            let sign = if t.starts_with('-') { -1 } else { 1 };
            UtcOffset::from_hms(sign * oh, sign * om, 0).map_err(|_| bad())?
        }
        _ => return Err(bad()),
    };
    let time = Time::from_hms_nano(
        u8::try_from(hh).map_err(|_| bad())?,
        u8::try_from(mm).map_err(|_| bad())?,
        u8::try_from(ss).map_err(|_| bad())?,
        nanos,
    )
    .map_err(|_| bad())?;
    // Normalised to UTC, and refused when UTC cannot hold it (`9999-12-31T23:59:59.9-01:00`
    // is in year 10000): every later comparison and report line works on UTC times, and
    // converting an out-of-range time panics in the `time` crate.
    PrimitiveDateTime::new(date, time)
        .assume_offset(offset)
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| {
            Error::signature_format(
                "SignatureTime",
                format!("value {value:?} is past the year 9999 once converted to UTC"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn writes_what_dotnet_writes() {
        assert_eq!(
            format_default(datetime!(2026-11-23 07:00:00.25 UTC)),
            "2026-11-23T07:00:00.2+00:00"
        );
    }

    #[test]
    fn parses_every_legal_format() {
        assert_eq!(
            parse(DEFAULT_FORMAT, "2024-05-01T13:45:12.3+02:00").unwrap(),
            datetime!(2024-05-01 13:45:12.3 +02:00)
        );
        assert_eq!(
            parse(DEFAULT_FORMAT, "2024-05-01T13:45:12.3Z").unwrap(),
            datetime!(2024-05-01 13:45:12.3 UTC)
        );
        assert_eq!(
            parse("YYYY-MM-DDThh:mm:ssTZD", "2024-05-01T13:45:12-01:30").unwrap(),
            datetime!(2024-05-01 13:45:12 -01:30)
        );
        assert_eq!(
            parse("YYYY-MM-DDThh:mmTZD", "2024-05-01T13:45Z").unwrap(),
            datetime!(2024-05-01 13:45 UTC)
        );
        assert_eq!(
            parse("YYYY-MM-DD", "2024-05-01").unwrap(),
            datetime!(2024-05-01 0:00 UTC)
        );
        assert_eq!(
            parse("YYYY-MM", "2024-05").unwrap(),
            datetime!(2024-05-01 0:00 UTC)
        );
        assert_eq!(
            parse("YYYY", "2024").unwrap(),
            datetime!(2024-01-01 0:00 UTC)
        );
    }

    #[test]
    fn extreme_times_parse_to_utc_without_panicking() {
        let max = parse(DEFAULT_FORMAT, "9999-12-31T23:59:59.9+00:00").unwrap();
        assert_eq!(max, datetime!(9999-12-31 23:59:59.9 UTC));
        assert_eq!(max.offset(), UtcOffset::UTC);
        assert_eq!(format_default(max), "9999-12-31T23:59:59.9+00:00");
        // A positive offset on the last day stays inside the range once in UTC.
        assert_eq!(
            parse(DEFAULT_FORMAT, "9999-12-31T23:59:59.9+14:00").unwrap(),
            datetime!(9999-12-31 09:59:59.9 UTC)
        );
        assert_eq!(
            parse("YYYY", "0000").unwrap(),
            datetime!(0000-01-01 0:00 UTC)
        );
    }

    #[test]
    fn rejects_values_not_in_the_declared_format() {
        for (f, v) in [
            (DEFAULT_FORMAT, "2024-05-01T13:45:12+02:00"),
            ("YYYY-MM-DD", "2024-05-01T00:00Z"),
            ("YYYY", "24"),
            (DEFAULT_FORMAT, "2024-13-01T13:45:12.3Z"),
            ("bogus", "2024"),
            (DEFAULT_FORMAT, "２０２４-05-01T13:45:12.3Z"),
            (DEFAULT_FORMAT, "9999-12-31T23:59:59.9-00:01"),
        ] {
            assert!(parse(f, v).is_err(), "{f} {v}");
        }
    }
}
