//! Turning numbers into the words people read. Pure: the clock is passed in.

use humansize::{DECIMAL, FormatSizeOptions, format_size};

/// "1 image", "3 images".
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Sizes in decimal units as Docker's CLI prints them (1 MB = 1,000,000 bytes), one decimal.
pub fn size(bytes: u64) -> String {
    format_size(bytes, FormatSizeOptions::from(DECIMAL).decimal_places(1))
}

/// "3 days ago", like `docker image ls`.
pub fn relative_time(created: Option<i64>, now: i64) -> String {
    let Some(created) = created else {
        return "unknown".to_string();
    };
    let secs = now.saturating_sub(created);
    if secs < 0 {
        return "in the future".to_string();
    }
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let (n, unit) = match secs {
        s if s < 2 => return "just now".to_string(),
        s if s < MINUTE => (s, "second"),
        s if s < HOUR => (s / MINUTE, "minute"),
        s if s < DAY => (s / HOUR, "hour"),
        s if s < 14 * DAY => (s / DAY, "day"),
        s if s < 60 * DAY => (s / (7 * DAY), "week"),
        s if s < 365 * DAY => (s / (30 * DAY), "month"),
        s => (s / (365 * DAY), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural} ago")
}

/// `2024-05-10 12:34:56 UTC`.
pub fn absolute_time(created: Option<i64>) -> String {
    match created {
        Some(ts) => pattern_time(ts, ABSOLUTE),
        None => "unknown".to_string(),
    }
}

/// The pattern `absolute_time` writes.
const ABSOLUTE: &str = "%Y-%m-%d %H:%M:%S %Z";

/// How dates are shown: "3 days ago", or a pattern (config `general.date_format`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DateFormat {
    #[default]
    Relative,
    /// `%Y %m %d %H %M %S %Z %%` tokens (UTC), everything else as written.
    Pattern(String),
}

impl DateFormat {
    /// "relative", or a pattern whose every `%` starts a known token.
    pub fn parse(text: &str) -> Result<DateFormat, String> {
        if text == "relative" {
            return Ok(DateFormat::Relative);
        }
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '%' {
                match chars.next() {
                    Some('Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'Z' | '%') => {}
                    Some(other) => {
                        return Err(format!(
                            "unknown date token \"%{other}\" in {text:?} (known: %Y %m %d %H %M %S %Z %%)"
                        ));
                    }
                    None => return Err(format!("{text:?} ends in a lone \"%\"")),
                }
            }
        }
        if text.is_empty() {
            return Err(
                "an empty date format (\"relative\" or a pattern like \"%Y-%m-%d\")".into(),
            );
        }
        Ok(DateFormat::Pattern(text.to_string()))
    }

    pub fn format(&self, created: Option<i64>, now: i64) -> String {
        match self {
            DateFormat::Relative => relative_time(created, now),
            DateFormat::Pattern(pattern) => match created {
                Some(ts) => pattern_time(ts, pattern),
                None => "unknown".to_string(),
            },
        }
    }
}

/// `ts` (UTC) written with a checked pattern's tokens.
pub fn pattern_time(ts: i64, pattern: &str) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{y:04}")),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('H') => out.push_str(&format!("{:02}", secs / 3600)),
            Some('M') => out.push_str(&format!("{:02}", secs % 3600 / 60)),
            Some('S') => out.push_str(&format!("{:02}", secs % 60)),
            Some('Z') => out.push_str("UTC"),
            Some(other) => {
                out.push('%');
                if other != '%' {
                    out.push(other);
                }
            }
            None => out.push('%'),
        }
    }
    out
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); exact for any i64 day
/// count that fits a year in i64 (the algorithm works in 400-year eras).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe.saturating_add(era.saturating_mul(400)) + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of `civil_from_days`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses the RFC 3339 timestamps the engine sends in inspect responses
/// (`2024-05-10T12:34:56.123456789Z`, `…+02:00`) to seconds since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') => {
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_decimal_like_docker() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(23_365), "23.4 kB");
        assert_eq!(size(419_449_655), "419.4 MB");
        assert_eq!(size(u64::MAX), "18.4 EB");
    }

    #[test]
    fn relative_times() {
        let now = 1_700_000_000;
        assert_eq!(relative_time(Some(now), now), "just now");
        assert_eq!(relative_time(Some(now - 30), now), "30 seconds ago");
        assert_eq!(relative_time(Some(now - 60), now), "1 minute ago");
        assert_eq!(relative_time(Some(now - 3 * 86_400), now), "3 days ago");
        assert_eq!(relative_time(Some(now - 21 * 86_400), now), "3 weeks ago");
        assert_eq!(relative_time(Some(now - 90 * 86_400), now), "3 months ago");
        assert_eq!(relative_time(Some(now - 800 * 86_400), now), "2 years ago");
        assert_eq!(relative_time(Some(now + 10), now), "in the future");
        assert_eq!(relative_time(None, now), "unknown");
        assert!(relative_time(Some(i64::MIN), i64::MAX).ends_with("years ago"));
    }

    #[test]
    fn absolute_times_round_trip() {
        assert_eq!(absolute_time(Some(0)), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            absolute_time(Some(4_102_444_799)),
            "2099-12-31 23:59:59 UTC"
        );
        assert_eq!(absolute_time(Some(951_782_400)), "2000-02-29 00:00:00 UTC");
        assert_eq!(absolute_time(Some(-86_400)), "1969-12-31 00:00:00 UTC");
        assert_eq!(absolute_time(None), "unknown");
        // Extremes must not panic.
        let _ = absolute_time(Some(i64::MAX));
        let _ = absolute_time(Some(i64::MIN));
    }

    #[test]
    fn date_patterns() {
        let ts = 951_782_400 + 13 * 3600 + 4 * 60 + 5; // 2000-02-29 13:04:05 UTC
        assert_eq!(
            pattern_time(ts, "%Y-%m-%d %H:%M:%S %Z"),
            "2000-02-29 13:04:05 UTC"
        );
        assert_eq!(pattern_time(ts, "%d.%m.%Y"), "29.02.2000");
        assert_eq!(pattern_time(ts, "100%% at %H"), "100% at 13");
        let format = DateFormat::parse("%Y/%m/%d").unwrap();
        assert_eq!(format.format(Some(ts), ts), "2000/02/29");
        assert_eq!(format.format(None, ts), "unknown");
        assert_eq!(DateFormat::parse("relative"), Ok(DateFormat::Relative));
        assert_eq!(
            DateFormat::Relative.format(Some(ts - 60), ts),
            "1 minute ago"
        );
        let err = DateFormat::parse("%Y-%q").unwrap_err();
        assert!(err.contains("%q"), "{err}");
        assert!(DateFormat::parse("%Y %").is_err());
        assert!(DateFormat::parse("").is_err());
        let _ = pattern_time(i64::MIN, "%Y");
    }

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2099-12-31T23:59:59.123456789Z"),
            Some(4_102_444_799)
        );
        assert_eq!(parse_rfc3339("1970-01-01T02:00:00+02:00"), Some(0));
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), Some(-62_135_596_800));
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00"), None);
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00é"), None);
    }
}
