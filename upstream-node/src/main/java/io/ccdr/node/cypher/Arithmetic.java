package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.Op;

import java.util.ArrayList;
import java.util.List;

/** Cypher arithmetic: exact integer maths (overflow is an error), IEEE floats, string and list concatenation. */
final class Arithmetic {
    private Arithmetic() {
    }

    static Object apply(Op op, Object l, Object r) {
        if (op == Op.ADD) {
            return add(l, r);
        }
        if (l == null || r == null) {
            return null;
        }
        if (l instanceof CypherDuration || r instanceof CypherDuration) {
            return durationArithmetic(op, l, r);
        }
        if (!Values.isNumber(l) || !Values.isNumber(r)) {
            Object bad = Values.isNumber(l) ? r : l;
            throw Errors.type("Type mismatch: expected Float or Integer but was " + Values.typeName(bad)
                    + " (cannot apply " + op.symbol + " to " + Values.typeName(l) + " and " + Values.typeName(r) + ")");
        }
        if (op == Op.POW) {
            return Math.pow(((Number) l).doubleValue(), ((Number) r).doubleValue());
        }
        if (l instanceof Long a && r instanceof Long b) {
            try {
                return switch (op) {
                    case SUB -> Math.subtractExact(a, b);
                    case MUL -> Math.multiplyExact(a, b);
                    case DIV -> {
                        if (b == 0) {
                            throw Errors.arithmetic("/ by zero");
                        }
                        if (a == Long.MIN_VALUE && b == -1) {
                            throw Errors.arithmetic("long overflow");
                        }
                        yield a / b;
                    }
                    case MOD -> {
                        if (b == 0) {
                            throw Errors.arithmetic("/ by zero");
                        }
                        yield b == -1 ? 0L : a % b;
                    }
                    default -> throw new IllegalStateException(op.name());
                };
            } catch (ArithmeticException e) {
                throw Errors.arithmetic("long overflow");
            }
        }
        double a = ((Number) l).doubleValue();
        double b = ((Number) r).doubleValue();
        return switch (op) {
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MOD -> a % b;
            default -> throw new IllegalStateException(op.name());
        };
    }

    private static Object durationArithmetic(Op op, Object l, Object r) {
        try {
            if (l instanceof CypherDuration a && r instanceof CypherDuration b) {
                if (op == Op.ADD) {
                    return a.plus(b);
                }
                if (op == Op.SUB) {
                    return a.plus(b.negate());
                }
            } else if (l instanceof java.time.temporal.Temporal t && r instanceof CypherDuration d) {
                if (op == Op.ADD) {
                    return d.addTo(t);
                }
                if (op == Op.SUB) {
                    return d.negate().addTo(t);
                }
            } else if (l instanceof CypherDuration d && r instanceof java.time.temporal.Temporal t && op == Op.ADD) {
                return d.addTo(t);
            } else if (l instanceof CypherDuration d && Values.isNumber(r)) {
                if (op == Op.MUL) {
                    return r instanceof Long n ? d.multiply(n) : d.multiply((Double) r);
                }
                if (op == Op.DIV) {
                    double divisor = ((Number) r).doubleValue();
                    if (divisor == 0) {
                        throw Errors.arithmetic("/ by zero");
                    }
                    return d.multiply(1.0 / divisor);
                }
            } else if (Values.isNumber(l) && r instanceof CypherDuration d && op == Op.MUL) {
                return l instanceof Long n ? d.multiply(n) : d.multiply((Double) l);
            }
        } catch (ArithmeticException e) {
            throw Errors.arithmetic("duration overflow");
        }
        throw Errors.type("Type mismatch: cannot apply " + op.symbol + " to " + Values.typeName(l) + " and "
                + Values.typeName(r));
    }

    static Object add(Object l, Object r) {
        if (l == null || r == null) {
            return null;
        }
        if (l instanceof List<?> a) {
            List<Object> out = new ArrayList<>(a);
            if (r instanceof List<?> b) {
                out.addAll(b);
            } else {
                out.add(r);
            }
            return out;
        }
        if (r instanceof List<?> b) {
            List<Object> out = new ArrayList<>();
            out.add(l);
            out.addAll(b);
            return out;
        }
        if (l instanceof CypherDuration || r instanceof CypherDuration) {
            return durationArithmetic(Op.ADD, l, r);
        }
        if (l instanceof String a && (r instanceof String || Values.isNumber(r) || r instanceof Boolean)) {
            return a + Functions.toCypherString(r);
        }
        if (r instanceof String b && (Values.isNumber(l) || l instanceof Boolean)) {
            return Functions.toCypherString(l) + b;
        }
        if (l instanceof Long a && r instanceof Long b) {
            try {
                return Math.addExact(a, b);
            } catch (ArithmeticException e) {
                throw Errors.arithmetic("long overflow");
            }
        }
        if (Values.isNumber(l) && Values.isNumber(r)) {
            return ((Number) l).doubleValue() + ((Number) r).doubleValue();
        }
        throw Errors.type("Type mismatch: cannot add " + Values.typeName(l) + " and " + Values.typeName(r)
                + " (expected Float, Integer, String or List<T>)");
    }
}
