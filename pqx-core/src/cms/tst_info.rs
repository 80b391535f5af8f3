//! `TSTInfo` (RFC 3161 §2.4.2) as real time-stamping authorities write it.
//!
//! `x509-tsp`'s `TstInfo` reads `genTime` with `der`'s `GeneralizedTime`, which refuses
//! fractional seconds — but RFC 3161 allows them (`YYYYMMDDhhmmss[.s...]Z`) and many TSAs
//! send them (`openssl ts` with `clock_precision_digits`, DigiCert, Sectigo…). Refusing them
//! would make pqx reject valid tokens as malformed DER. So this module has its own `TstInfo`:
//! the same fields, derived the same way, except `genTime`, which [`GenTime`] reads with a
//! strict parser of the RFC's form.
//!
//! The parser accepts exactly what RFC 3161 §2.4.2 and X.690 §11.7 (DER) allow: fourteen
//! digits, an optional `.` followed by one to nine digits with no trailing zero (pqx keeps
//! nanoseconds; more digits are refused rather than rounded), and `Z`. Every field must be
//! in range (month 1–12, a day of that month, hour 0–23, minute and second 0–59). Years
//! 0000–9999 are all representable; whether a time that far away is acceptable is for the
//! certificate policy to judge (the TSA's certificate was not valid then), not for the
//! parser.

use der::asn1::{Int, ObjectIdentifier};
use der::{DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::Extensions;
use x509_tsp::{Accuracy, MessageImprint, TspVersion};

/// Longest `genTime` value accepted: 14 digits, `.`, 9 digits, `Z`.
const MAX_GEN_TIME_LEN: usize = 25;

/// A `genTime`: a `GeneralizedTime` with optional fractional seconds, always UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenTime(pub OffsetDateTime);

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl<'a> DecodeValue<'a> for GenTime {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let len = usize::try_from(header.length)?;
        if len > MAX_GEN_TIME_LEN {
            return Err(Tag::GeneralizedTime.length_error());
        }
        let bytes = reader.read_slice(header.length)?;
        parse_gen_time(bytes)
            .map(GenTime)
            .ok_or_else(|| Tag::GeneralizedTime.value_error())
    }
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(format_gen_time(self.0).len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(format_gen_time(self.0).as_bytes())
    }
}

/// Parses the value bytes of a DER `GeneralizedTime` in RFC 3161's form
/// (`YYYYMMDDhhmmss[.s...]Z`, no trailing zero in the fraction). `None` when anything is off.
pub fn parse_gen_time(bytes: &[u8]) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_suffix('Z')?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |from: usize, to: usize| whole.get(from..to)?.parse::<u16>().ok();
    let year = i32::from(num(0, 4)?);
    let month = Month::try_from(u8::try_from(num(4, 6)?).ok()?).ok()?;
    let day = u8::try_from(num(6, 8)?).ok()?;
    let (hour, minute, second) = (
        u8::try_from(num(8, 10)?).ok()?,
        u8::try_from(num(10, 12)?).ok()?,
        u8::try_from(num(12, 14)?).ok()?,
    );
    let nanos = match fraction {
        None => 0,
        Some(f) => {
            if f.is_empty()
                || f.len() > 9
                || f.ends_with('0')
                || !f.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            format!("{f:0<9}").parse::<u32>().ok()?
        }
    };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// The DER form of `t` (in UTC): whole seconds, then the fraction without trailing zeros.
pub fn format_gen_time(t: OffsetDateTime) -> String {
    let t = t
        .checked_to_offset(time::UtcOffset::UTC)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut out = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.nanosecond() != 0 {
        let fraction = format!("{:09}", t.nanosecond());
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// ```text
/// TSTInfo ::= SEQUENCE  {
///    version                      INTEGER  { v1(1) },
///    policy                       TSAPolicyId,
///    messageImprint               MessageImprint,
///    serialNumber                 INTEGER,
///    genTime                      GeneralizedTime,
///    accuracy                     Accuracy                 OPTIONAL,
///    ordering                     BOOLEAN             DEFAULT FALSE,
///    nonce                        INTEGER                  OPTIONAL,
///    tsa                          [0] GeneralName          OPTIONAL,
///    extensions                   [1] IMPLICIT Extensions   OPTIONAL  }
/// ```
/// `x509-tsp`'s type with `genTime` as [`GenTime`].
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// `v1`.
    pub version: TspVersion,
    /// The TSA's policy under which the token was made.
    pub policy: ObjectIdentifier,
    /// The hash of the time-stamped data.
    pub message_imprint: MessageImprint,
    /// The TSA's serial number of the token.
    pub serial_number: Int,
    /// When the TSA made the token.
    pub gen_time: GenTime,
    /// How far `genTime` may be from the true time.
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    /// Whether tokens of this TSA can be ordered by `genTime` alone.
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    /// The request's nonce.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// The TSA's name.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// Extensions.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn gen_time_accepts_whole_and_fractional_seconds() {
        assert_eq!(
            parse_gen_time(b"20240501134512Z"),
            Some(datetime!(2024-05-01 13:45:12 UTC))
        );
        assert_eq!(
            parse_gen_time(b"20240501134512.123Z"),
            Some(datetime!(2024-05-01 13:45:12.123 UTC))
        );
        assert_eq!(
            parse_gen_time(b"20240501134512.000000001Z"),
            Some(datetime!(2024-05-01 13:45:12.000000001 UTC))
        );
        assert_eq!(
            parse_gen_time(b"99991231235959.999999999Z"),
            Some(datetime!(9999-12-31 23:59:59.999999999 UTC))
        );
        assert_eq!(
            parse_gen_time(b"00000101000000Z"),
            Some(datetime!(0000-01-01 0:00 UTC))
        );
    }

    #[test]
    fn gen_time_refuses_what_rfc_3161_does_not_allow() {
        for bad in [
            &b"20240501134512"[..],           // no Z
            b"20240501134512+0100",           // an offset
            b"20240501134512.Z",              // empty fraction
            b"20240501134512.120Z",           // trailing zero (not DER)
            b"20240501134512.0Z",             // a zero fraction is written as none
            b"20240501134512.1234567891Z",    // finer than nanoseconds
            b"20241301134512Z",               // month 13
            b"20240230134512Z",               // 30 February
            b"20240501244512Z",               // hour 24
            b"20240501136012Z",               // minute 60
            b"20240501134560Z",               // second 60
            b"202405011345Z",                 // no seconds
            b"2024050113451Z",                // 13 digits
            b"+0240501134512Z",               // a sign
            b"20240501134512,5Z",             // a comma
            "２０２４0501134512Z".as_bytes(), // non-ASCII digits
        ] {
            assert_eq!(
                parse_gen_time(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn gen_time_round_trips_through_der() {
        use der::{Decode, Encode};
        for t in [
            datetime!(2024-05-01 13:45:12 UTC),
            datetime!(2024-05-01 13:45:12.5 UTC),
            datetime!(2024-05-01 13:45:12.123456789 UTC),
        ] {
            let der = GenTime(t).to_der().unwrap();
            assert_eq!(GenTime::from_der(&der).unwrap().0, t);
        }
        assert_eq!(
            format_gen_time(datetime!(2024-05-01 13:45:12.120 UTC)),
            "20240501134512.12Z"
        );
    }
}
