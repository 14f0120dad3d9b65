package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.CountStar;
import io.ccdr.node.cypher.Ast.Expr;
import io.ccdr.node.cypher.Ast.FunctionCall;
import io.ccdr.node.memory.HeapEstimate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One aggregate function's running state for one group. */
final class Aggregation {
    private final Expr call;
    private final String name;
    private final boolean distinct;
    private final Set<Object> seen = new HashSet<>();
    private long count;
    private Object sum = 0L;
    private double sumDouble;
    private Object best;
    private final List<Object> values = new ArrayList<>();
    private Object percentile;

    Aggregation(Expr call) {
        this.call = call;
        if (call instanceof CountStar) {
            this.name = "count*";
            this.distinct = false;
        } else {
            FunctionCall f = (FunctionCall) call;
            this.name = f.name();
            this.distinct = f.distinct();
        }
    }

    /** Adds one row; returns the heap the state now retains beyond before (collected values, DISTINCT keys). */
    long add(Eval ev, Map<String, Object> row) {
        if (name.equals("count*")) {
            count++;
            return 0;
        }
        FunctionCall f = (FunctionCall) call;
        Object v = ev.eval(f.args().get(0), row);
        if (v == null) {
            return 0;
        }
        long retained = 0;
        if (distinct) {
            Object key = Values.canonical(v);
            if (!seen.add(key)) {
                return 0;
            }
            retained += HeapEstimate.MAP_ENTRY + Values.heapSize(key);
        }
        switch (name) {
            case "count" -> count++;
            case "collect" -> {
                values.add(v);
                retained += HeapEstimate.REFERENCE + Values.heapSize(v);
            }
            case "sum", "avg" -> {
                if (!Values.isNumber(v)) {
                    throw Errors.type("Type mismatch: expected Float or Integer in " + name + "() but was " + Values.typeName(v));
                }
                count++;
                sum = Arithmetic.add(sum, v);
                sumDouble += ((Number) v).doubleValue();
            }
            case "min" -> {
                if (best == null || Values.orderCompare(v, best) < 0) {
                    best = v;
                }
            }
            case "max" -> {
                if (best == null || Values.orderCompare(v, best) > 0) {
                    best = v;
                }
            }
            case "stdev", "stdevp" -> {
                if (!Values.isNumber(v)) {
                    throw Errors.type("Type mismatch: expected Float or Integer in " + name + "() but was " + Values.typeName(v));
                }
                values.add(((Number) v).doubleValue());
                retained += HeapEstimate.REFERENCE + HeapEstimate.OBJECT + 8;
            }
            case "percentilecont", "percentiledisc" -> {
                if (!Values.isNumber(v)) {
                    throw Errors.type("Type mismatch: expected Float or Integer in " + name + "() but was " + Values.typeName(v));
                }
                if (percentile == null) {
                    percentile = ev.eval(f.args().get(1), row);
                    if (!(percentile instanceof Number p) || p.doubleValue() < 0 || p.doubleValue() > 1) {
                        throw Errors.argument("Invalid input '" + percentile + "' is not a valid argument, must be a number in the range 0.0 to 1.0");
                    }
                }
                values.add(v);
                retained += HeapEstimate.REFERENCE + Values.heapSize(v);
            }
            default -> throw Errors.syntax("Unknown aggregate function '" + name + "'");
        }
        return retained;
    }

    Object result() {
        switch (name) {
            case "count*":
            case "count":
                return count;
            case "collect":
                return new ArrayList<>(values);
            case "sum":
                return sum;
            case "avg":
                return count == 0 ? null : sumDouble / count;
            case "min":
            case "max":
                return best;
            case "stdev":
            case "stdevp": {
                int n = values.size();
                if (n == 0 || (n == 1 && name.equals("stdev"))) {
                    return 0.0;
                }
                double mean = values.stream().mapToDouble(o -> (Double) o).average().orElse(0);
                double ss = values.stream().mapToDouble(o -> ((Double) o - mean) * ((Double) o - mean)).sum();
                return Math.sqrt(ss / (name.equals("stdev") ? n - 1 : n));
            }
            default: {
                if (values.isEmpty()) {
                    return null;
                }
                List<Object> sorted = new ArrayList<>(values);
                sorted.sort(Values::orderCompare);
                double p = ((Number) percentile).doubleValue();
                if (name.equals("percentiledisc")) {
                    int idx = p == 0 ? 0 : (int) Math.ceil(p * sorted.size()) - 1;
                    return sorted.get(Math.max(0, idx));
                }
                double pos = p * (sorted.size() - 1);
                int lo = (int) Math.floor(pos);
                int hi = (int) Math.ceil(pos);
                double a = ((Number) sorted.get(lo)).doubleValue();
                double b = ((Number) sorted.get(hi)).doubleValue();
                return a + (b - a) * (pos - lo);
            }
        }
    }
}
