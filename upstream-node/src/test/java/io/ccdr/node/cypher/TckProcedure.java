package io.ccdr.node.cypher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A procedure declared by a TCK step: {@code there exists a procedure test.my.proc(in :: INTEGER?) :: (out :: STRING?):}
 * with a table whose rows map input values to output values.
 */
final class TckProcedure implements Procedure {
    private static final Pattern SIGNATURE = Pattern.compile("there exists a procedure ([\\w.]+)\\((.*?)\\)\\s*::\\s*\\((.*?)\\)\\s*:");

    final String name;
    private final List<Input> inputs;
    private final List<String> outputs;
    private final List<List<String>> rows;

    private TckProcedure(String name, List<Input> inputs, List<String> outputs, List<List<String>> rows) {
        this.name = name;
        this.inputs = inputs;
        this.outputs = outputs;
        this.rows = rows;
    }

    static TckProcedure parse(String step, List<List<String>> table) {
        Matcher m = SIGNATURE.matcher(step);
        if (!m.find()) {
            throw new IllegalArgumentException("cannot parse procedure signature: " + step);
        }
        List<Input> inputs = new ArrayList<>();
        for (String[] field : fields(m.group(2))) {
            inputs.add(Input.of(field[0], Type.valueOf(field[1].replace("?", "").toUpperCase(Locale.ROOT))));
        }
        List<String> outputs = new ArrayList<>();
        for (String[] field : fields(m.group(3))) {
            outputs.add(field[0]);
        }
        List<List<String>> rows = table == null || table.isEmpty() ? List.of() : table.subList(1, table.size());
        return new TckProcedure(m.group(1), inputs, outputs, rows);
    }

    private static List<String[]> fields(String list) {
        List<String[]> out = new ArrayList<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] nameType = part.split("::");
            out.add(new String[] {nameType[0].strip(), nameType[1].strip()});
        }
        return out;
    }

    @Override
    public List<Input> inputs() {
        return inputs;
    }

    @Override
    public List<String> outputColumns() {
        return outputs;
    }

    @Override
    public List<Map<String, Object>> call(List<Object> args, CallContext context) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (List<String> row : rows) {
            boolean matches = true;
            for (int i = 0; i < inputs.size(); i++) {
                String expected = TckValues.canonicalExpected(row.get(i), false);
                if (!expected.equals(TckValues.canonicalActual(args.get(i), false))) {
                    matches = false;
                    break;
                }
            }
            if (!matches) {
                continue;
            }
            Map<String, Object> result = new LinkedHashMap<>();
            for (int o = 0; o < outputs.size(); o++) {
                result.put(outputs.get(o), TckValues.parseParameter(row.get(inputs.size() + o)));
            }
            out.add(result);
        }
        return out;
    }
}
