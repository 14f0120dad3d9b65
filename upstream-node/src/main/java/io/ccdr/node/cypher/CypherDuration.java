package io.ccdr.node.cypher;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.Temporal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cypher's DURATION value, as Neo4j and Bolt model it: months, days, seconds and nanoseconds kept
 * apart (a month has no fixed number of days, a day no fixed number of seconds across DST changes).
 * {@code nanos} is normalised to 0..999,999,999 with the sign carried by {@code seconds}.
 */
public record CypherDuration(long months, long days, long seconds, int nanos) {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final double AVG_DAYS_PER_MONTH = 30.436875;
    private static final Pattern ISO = Pattern.compile(
            "([-+]?)P(?:([-+]?\\d+(?:\\.\\d+)?)Y)?(?:([-+]?\\d+(?:\\.\\d+)?)M)?(?:([-+]?\\d+(?:\\.\\d+)?)W)?"
                    + "(?:([-+]?\\d+(?:\\.\\d+)?)D)?(?:T(?:([-+]?\\d+(?:\\.\\d+)?)H)?(?:([-+]?\\d+(?:\\.\\d+)?)M)?"
                    + "(?:([-+]?\\d+(?:[.,]\\d+)?)S)?)?", Pattern.CASE_INSENSITIVE);

    public CypherDuration {
        if (nanos < 0 || nanos >= NANOS_PER_SECOND) {
            long carry = Math.floorDiv(nanos, NANOS_PER_SECOND);
            seconds = Math.addExact(seconds, carry);
            nanos = (int) Math.floorMod(nanos, NANOS_PER_SECOND);
        }
    }

    static CypherDuration of(double months, double days, double seconds, double nanos) {
        // fractions cascade downwards as in Neo4j: months -> days (average month) -> seconds -> nanoseconds
        long m = (long) months;
        double d = days + (months - m) * AVG_DAYS_PER_MONTH;
        long wholeDays = (long) d;
        double s = seconds + (d - wholeDays) * 86_400;
        long wholeSeconds = (long) s;
        double n = nanos + (s - wholeSeconds) * NANOS_PER_SECOND;
        long wholeNanos = Math.round(n);
        return new CypherDuration(m, wholeDays, Math.addExact(wholeSeconds, Math.floorDiv(wholeNanos, NANOS_PER_SECOND)),
                (int) Math.floorMod(wholeNanos, NANOS_PER_SECOND));
    }

    /** Parses ISO-8601 {@code PnYnMnWnDTnHnMn.nS} (components may be negative or fractional). */
    static CypherDuration parse(String text) {
        Matcher m = ISO.matcher(text.strip());
        if (!m.matches() || text.strip().endsWith("T") || text.strip().equalsIgnoreCase("P")) {
            throw Errors.argument("Text cannot be parsed to a Duration: " + text);
        }
        double sign = m.group(1).equals("-") ? -1 : 1;
        double years = num(m.group(2));
        double months = num(m.group(3));
        double weeks = num(m.group(4));
        double days = num(m.group(5));
        double hours = num(m.group(6));
        double minutes = num(m.group(7));
        String secondsText = m.group(8) == null ? "0" : m.group(8).replace(',', '.');
        java.math.BigDecimal secs = new java.math.BigDecimal(secondsText);
        long wholeSeconds = secs.longValue();
        long nanos = secs.subtract(java.math.BigDecimal.valueOf(wholeSeconds)).movePointRight(9).longValue();
        CypherDuration d = of(years * 12 + months, weeks * 7 + days, hours * 3600 + minutes * 60 + wholeSeconds, nanos);
        return sign < 0 ? d.negate() : d;
    }

    private static double num(String s) {
        return s == null ? 0 : Double.parseDouble(s);
    }

    static CypherDuration fromMap(Map<?, ?> map) {
        double months = 0;
        double days = 0;
        double seconds = 0;
        double nanos = 0;
        for (var e : map.entrySet()) {
            String key = String.valueOf(e.getKey()).toLowerCase(Locale.ROOT);
            if (!(e.getValue() instanceof Number n)) {
                throw Errors.type("Type mismatch: expected a number for duration component '" + e.getKey() + "' but was "
                        + Values.typeName(e.getValue()));
            }
            double v = n.doubleValue();
            switch (key) {
                case "years" -> months += v * 12;
                case "quarters" -> months += v * 3;
                case "months" -> months += v;
                case "weeks" -> days += v * 7;
                case "days" -> days += v;
                case "hours" -> seconds += v * 3600;
                case "minutes" -> seconds += v * 60;
                case "seconds" -> seconds += v;
                case "milliseconds" -> nanos += v * 1_000_000;
                case "microseconds" -> nanos += v * 1_000;
                case "nanoseconds" -> nanos += v;
                default -> throw Errors.argument("No such duration component: " + e.getKey());
            }
        }
        return of(months, days, seconds, nanos);
    }

    /** {@code duration.between(a, b)}: months, then days, then the remaining time, all with one sign convention. */
    static CypherDuration between(Temporal a, Temporal b, ChronoUnit only) {
        if (a instanceof LocalTime || a instanceof OffsetTime || b instanceof LocalTime || b instanceof OffsetTime) {
            LocalTime ta = toLocalTime(a);
            LocalTime tb = toLocalTime(b);
            long n = ChronoUnit.NANOS.between(ta, tb);
            return new CypherDuration(0, 0, Math.floorDiv(n, NANOS_PER_SECOND), (int) Math.floorMod(n, NANOS_PER_SECOND));
        }
        LocalDateTime la = toLocalDateTime(a, null);
        LocalDateTime lb = toLocalDateTime(b, a instanceof ZonedDateTime z ? z : null);
        long months = only == ChronoUnit.DAYS || only == ChronoUnit.SECONDS ? 0 : ChronoUnit.MONTHS.between(la, lb);
        LocalDateTime afterMonths = la.plusMonths(months);
        if (only == ChronoUnit.MONTHS) {
            return new CypherDuration(months, 0, 0, 0);
        }
        long days = only == ChronoUnit.SECONDS ? 0 : ChronoUnit.DAYS.between(afterMonths, lb);
        LocalDateTime afterDays = afterMonths.plusDays(days);
        if (only == ChronoUnit.DAYS) {
            return new CypherDuration(months, days, 0, 0);
        }
        long n = ChronoUnit.NANOS.between(afterDays, lb);
        return new CypherDuration(months, days, Math.floorDiv(n, NANOS_PER_SECOND), (int) Math.floorMod(n, NANOS_PER_SECOND));
    }

    private static LocalTime toLocalTime(Temporal t) {
        if (t instanceof LocalTime lt) {
            return lt;
        }
        if (t instanceof OffsetTime ot) {
            return ot.withOffsetSameInstant(java.time.ZoneOffset.UTC).toLocalTime();
        }
        if (t instanceof LocalDateTime ldt) {
            return ldt.toLocalTime();
        }
        if (t instanceof ZonedDateTime z) {
            return z.toLocalTime();
        }
        return LocalTime.MIDNIGHT;
    }

    private static LocalDateTime toLocalDateTime(Temporal t, ZonedDateTime zoneOf) {
        if (t instanceof LocalDate d) {
            return d.atStartOfDay();
        }
        if (t instanceof LocalDateTime ldt) {
            return ldt;
        }
        if (t instanceof ZonedDateTime z) {
            return zoneOf == null ? z.toLocalDateTime() : z.withZoneSameInstant(zoneOf.getZone()).toLocalDateTime();
        }
        throw Errors.type("Type mismatch: cannot compute a duration from " + Values.typeName(t));
    }

    CypherDuration negate() {
        return new CypherDuration(Math.negateExact(months), Math.negateExact(days), Math.negateExact(seconds), 0)
                .withExtraNanos(-(long) nanos);
    }

    CypherDuration plus(CypherDuration o) {
        return new CypherDuration(Math.addExact(months, o.months), Math.addExact(days, o.days),
                Math.addExact(seconds, o.seconds), 0).withExtraNanos((long) nanos + o.nanos);
    }

    private CypherDuration withExtraNanos(long n) {
        return new CypherDuration(months, days, Math.addExact(seconds, Math.floorDiv(n, NANOS_PER_SECOND)),
                (int) Math.floorMod(n, NANOS_PER_SECOND));
    }

    CypherDuration multiply(double factor) {
        return of(months * factor, days * factor, seconds * factor, nanos * factor);
    }

    CypherDuration multiply(long factor) {
        return new CypherDuration(Math.multiplyExact(months, factor), Math.multiplyExact(days, factor),
                Math.multiplyExact(seconds, factor), 0).withExtraNanos(Math.multiplyExact((long) nanos, factor));
    }

    /** Adds this duration to a temporal value (dates take whole days from the time part, as in Neo4j). */
    Temporal addTo(Temporal t) {
        if (t instanceof LocalDate d) {
            return d.plusMonths(months).plusDays(days + Math.floorDiv(seconds, 86_400));
        }
        if (t instanceof LocalDateTime ldt) {
            return ldt.plusMonths(months).plusDays(days).plusSeconds(seconds).plusNanos(nanos);
        }
        if (t instanceof ZonedDateTime z) {
            return z.plusMonths(months).plusDays(days).plusSeconds(seconds).plusNanos(nanos);
        }
        if (t instanceof LocalTime lt) {
            return lt.plusSeconds(seconds).plusNanos(nanos);
        }
        if (t instanceof OffsetTime ot) {
            return ot.plusSeconds(seconds).plusNanos(nanos);
        }
        throw Errors.type("Type mismatch: cannot add a Duration to " + Values.typeName(t));
    }

    /** Component access as Neo4j names it ({@code d.years}, {@code d.monthsOfYear}, {@code d.seconds}, ...). */
    Object field(String key) {
        long totalNanosOfSecond = nanos;
        return switch (key) {
            case "years" -> months / 12;
            case "quarters" -> months / 3;
            case "months" -> months;
            case "monthsOfYear" -> months % 12;
            case "monthsOfQuarter" -> months % 3;
            case "quartersOfYear" -> (months / 3) % 4;
            case "weeks" -> days / 7;
            case "days" -> days;
            case "daysOfWeek" -> days % 7;
            case "hours" -> seconds / 3600;
            case "minutesOfHour" -> (seconds / 60) % 60;
            case "minutes" -> seconds / 60;
            case "secondsOfMinute" -> seconds % 60;
            case "seconds" -> seconds;
            case "milliseconds" -> seconds * 1000 + totalNanosOfSecond / 1_000_000;
            case "microseconds" -> seconds * 1_000_000 + totalNanosOfSecond / 1000;
            case "nanoseconds" -> seconds * NANOS_PER_SECOND + totalNanosOfSecond;
            case "millisecondsOfSecond" -> totalNanosOfSecond / 1_000_000;
            case "microsecondsOfSecond" -> totalNanosOfSecond / 1000;
            case "nanosecondsOfSecond" -> totalNanosOfSecond;
            default -> null;
        };
    }

    /** ISO-8601 text as Neo4j prints it, e.g. {@code P1Y2M3DT4H5M6.5S}, {@code PT-5H-10M-32.142S}, {@code PT0S}. */
    @Override
    public String toString() {
        if (months == 0 && days == 0 && seconds == 0 && nanos == 0) {
            return "PT0S";
        }
        StringBuilder sb = new StringBuilder("P");
        if (months / 12 != 0) {
            sb.append(months / 12).append('Y');
        }
        if (months % 12 != 0) {
            sb.append(months % 12).append('M');
        }
        if (days != 0) {
            sb.append(days).append('D');
        }
        // seconds and nanos share one sign in the text
        long s = seconds;
        long n = nanos;
        if (s < 0 && n > 0) {
            s += 1;
            n = NANOS_PER_SECOND - n;
        }
        boolean negative = s < 0 || (s == 0 && seconds < 0);
        if (s != 0 || n != 0) {
            sb.append('T');
            long abs = Math.abs(s);
            long h = abs / 3600;
            long m = (abs % 3600) / 60;
            long sec = abs % 60;
            String sign = negative ? "-" : "";
            if (h != 0) {
                sb.append(sign).append(h).append('H');
            }
            if (m != 0) {
                sb.append(sign).append(m).append('M');
            }
            if (sec != 0 || n != 0) {
                sb.append(sign).append(sec);
                if (n != 0) {
                    String frac = String.format("%09d", n).replaceAll("0+$", "");
                    sb.append('.').append(frac);
                }
                sb.append('S');
            }
        }
        return sb.toString();
    }
}
