package io.ccdr.node.bolt;

import io.ccdr.node.graph.ElementIds;
import io.ccdr.node.graph.IsoDuration;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PathValue;
import io.ccdr.node.graph.RelationshipRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PackStream encoding details: size classes, integer widths, structures, version differences. */
class PackStreamTest {

    private static ByteBuf pack(Object value, BoltVersion version, boolean utc) {
        ByteBuf buf = Unpooled.buffer();
        new PackStreamWriter(buf, version, utc, "db").write(value);
        return buf;
    }

    private static Object roundTrip(Object value, boolean utc) {
        ByteBuf buf = pack(value, BoltVersion.V5_4, utc);
        Object back = new PackStreamReader(buf, 64, utc, Long.MAX_VALUE).readValue();
        assertThat(buf.isReadable()).as("all bytes consumed").isFalse();
        return back;
    }

    @Test
    void integersUseTheSmallestEncoding() {
        long[] values = {0, 127, -16, -17, -128, 128, -129, 32767, 32768, -32769, Integer.MAX_VALUE,
                Integer.MAX_VALUE + 1L, Long.MIN_VALUE};
        int[] sizes = {1, 1, 1, 2, 2, 3, 3, 3, 5, 5, 5, 9, 9};
        for (int i = 0; i < values.length; i++) {
            assertThat(pack(values[i], BoltVersion.V5_4, true).readableBytes()).as("size of %d", values[i])
                    .isEqualTo(sizes[i]);
            assertThat(roundTrip(values[i], true)).isEqualTo(values[i]);
        }
        assertThat(roundTrip(7, true)).isEqualTo(7L);
    }

    @Test
    void sizeClassBoundariesRoundTrip() {
        for (int n : new int[]{0, 15, 16, 255, 256, 65535, 65536}) {
            String s = "a".repeat(n);
            assertThat(roundTrip(s, true)).isEqualTo(s);
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                list.add((long) (i % 100));
            }
            assertThat(roundTrip(list, true)).isEqualTo(list);
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(n, 70_000); i++) {
                map.put("k" + i, true);
            }
            assertThat(roundTrip(map, true)).isEqualTo(map);
            byte[] bytes = new byte[n];
            assertThat((byte[]) roundTrip(bytes, true)).isEqualTo(bytes);
        }
        assertThat(roundTrip("€ and 𝄞", true)).isEqualTo("€ and 𝄞");
        assertThat(roundTrip(new long[]{1, 2}, true)).isEqualTo(List.of(1L, 2L));
    }

    @Test
    void temporalValuesRoundTripInBothDateTimeEncodings() {
        List<Object> values = List.of(LocalDate.of(-1000, 1, 1), OffsetTime.of(1, 2, 3, 4, ZoneOffset.ofHours(14)),
                LocalTime.MAX, LocalDateTime.of(1601, 1, 1, 0, 0, 0, 999_999_999),
                ZonedDateTime.of(2024, 10, 27, 2, 30, 0, 0, ZoneId.of("Europe/London")),
                ZonedDateTime.of(1970, 1, 1, 0, 0, 0, 1, ZoneOffset.ofHours(-12)),
                new IsoDuration(-5, 40, -3, 999_999_999));
        for (boolean utc : new boolean[]{true, false}) {
            for (Object v : values) {
                assertThat(roundTrip(v, utc)).as("%s utc=%s", v, utc).isEqualTo(v);
            }
        }
        OffsetDateTime odt = OffsetDateTime.of(2020, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(2));
        assertThat(roundTrip(odt, true)).isEqualTo(odt.toZonedDateTime());
        assertThat(roundTrip(Duration.ofSeconds(90, 5), true)).isEqualTo(new IsoDuration(0, 0, 90, 5));
        assertThat(roundTrip(Period.of(1, 2, 3), true)).isEqualTo(new IsoDuration(14, 3, 0, 0));
    }

    @Test
    void utcAndLegacyDateTimesDifferOnTheWire() {
        ZonedDateTime t = ZonedDateTime.of(2020, 6, 1, 12, 0, 0, 0, ZoneOffset.ofHours(2));
        ByteBuf utc = pack(t, BoltVersion.V5_4, true);
        ByteBuf legacy = pack(t, BoltVersion.V4_4, false);
        assertThat(utc.getByte(1) & 0xFF).isEqualTo('I');
        assertThat(legacy.getByte(1) & 0xFF).isEqualTo('F');
        // UTC seconds vs local seconds: two hours apart.
        long utcSeconds = new PackStreamReader(utc.skipBytes(2), 8, true, Long.MAX_VALUE).readValue() instanceof Long l ? l : 0;
        long localSeconds = new PackStreamReader(legacy.skipBytes(2), 8, true, Long.MAX_VALUE).readValue() instanceof Long l ? l : 0;
        assertThat(localSeconds - utcSeconds).isEqualTo(7200);
        assertThat(pack(t.withZoneSameInstant(ZoneId.of("Asia/Tokyo")), BoltVersion.V5_4, true).getByte(1) & 0xFF)
                .isEqualTo('i');
    }

    @Test
    void graphEntitiesCarryElementIdsFromBolt5() {
        NodeRecord n = new NodeRecord(3, Set.of("A"), Map.of());
        ByteBuf v5 = pack(n, BoltVersion.V5_0, true);
        assertThat(v5.getByte(0) & 0xFF).isEqualTo(0xB4);
        assertThat(v5.toString(io.netty.util.CharsetUtil.UTF_8)).endsWith("4:db:3");
        assertThat(pack(n, BoltVersion.V4_4, true).getByte(0) & 0xFF).isEqualTo(0xB3);
        RelationshipRecord r = new RelationshipRecord(9, "T", 3, 4, Map.of());
        assertThat(pack(r, BoltVersion.V5_4, true).getByte(0) & 0xFF).isEqualTo(0xB8);
        assertThat(pack(r, BoltVersion.V4_4, true).getByte(0) & 0xFF).isEqualTo(0xB5);
        // Graph entities are never accepted as parameters.
        assertThatThrownBy(() -> new PackStreamReader(pack(n, BoltVersion.V5_4, true), 8, true, Long.MAX_VALUE)
                .readValue()).isInstanceOf(BoltProtocolException.class).hasMessageContaining("parameters");
    }

    @Test
    void pathSequenceMarksReversedRelationships() {
        NodeRecord a = new NodeRecord(1, Set.of(), Map.of());
        NodeRecord b = new NodeRecord(2, Set.of(), Map.of());
        RelationshipRecord ab = new RelationshipRecord(5, "T", 1, 2, Map.of());
        ByteBuf buf = pack(new PathValue(List.of(a, b, a), List.of(ab, ab)), BoltVersion.V5_4, true);
        byte[] all = new byte[buf.readableBytes()];
        buf.readBytes(all);
        // The sequence is the last list: [1, 1, -2, 2] (relationships are listed once per step).
        byte[] tail = Arrays.copyOfRange(all, all.length - 5, all.length);
        assertThat(tail).containsExactly(0x94, 1, 1, 0xFE, 2);
        RelationshipRecord unrelated = new RelationshipRecord(6, "T", 7, 8, Map.of());
        assertThatThrownBy(() -> pack(new PathValue(List.of(a, b), List.of(unrelated)), BoltVersion.V5_4, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void elementIdsParseOnlyTheirOwnKindAndDatabase() {
        assertThat(ElementIds.node("db", 12)).isEqualTo("4:db:12");
        assertThat(ElementIds.relationship("db", 12)).isEqualTo("5:db:12");
        assertThat(ElementIds.parse("4:db:12", false, "db")).isEqualTo(12);
        assertThat(ElementIds.parse("5:db:12", false, "db")).isEqualTo(-1);
        assertThat(ElementIds.parse("4:other:12", false, "db")).isEqualTo(-1);
        assertThat(ElementIds.parse("4:db:x", false, "db")).isEqualTo(-1);
        assertThat(ElementIds.parse("5:db:0", true, "db")).isZero();
        // only the spelling ElementIds produces: anything else never equals an element id as a string
        for (String odd : new String[] {"4:db:07", "4:db:+7", "4:db:-7", "4:db:", "4:db:7 ", "4:db:99999999999999999999", "4:db"}) {
            assertThat(ElementIds.parse(odd, false, "db")).as(odd).isEqualTo(-1);
        }
    }

    @Test
    void versionNegotiationHonoursRanges() {
        assertThat(BoltVersion.negotiate(new int[]{0x000001FF, 0x00080805, 0x00020404, 0x3})).isEqualTo(BoltVersion.V5_4);
        assertThat(BoltVersion.negotiate(new int[]{0x00000105, 0, 0, 0})).isEqualTo(BoltVersion.V5_1);
        assertThat(BoltVersion.negotiate(new int[]{0x00FF0404, 0, 0, 0})).isEqualTo(BoltVersion.V4_4);
        assertThat(BoltVersion.negotiate(new int[]{0x00000304, 0x00000006, 0, 0})).isNull();
        assertThat(BoltVersion.V5_4.encode()).isEqualTo(0x0405);
    }
}
