package org.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireFormatTest {
    private static <T> T read(String json, Class<T> type) throws Exception {
        return WireJson.mapper().readValue(json, type);
    }

    private static String write(Object o) throws Exception {
        return WireJson.mapper().writeValueAsString(o);
    }

    @Test
    void everyClientFrameRoundTrips() throws Exception {
        Frames.ClientFrame[] frames = {
            new Frames.Send("1", "chat", "c1", "hi", null),
            new Frames.Sync("2", Map.of("chat", 5L)),
            new Frames.Delivered(null, "chat", 7),
            new Frames.Read("3", "chat", 8),
            new Frames.Ping("4")
        };
        for (Frames.ClientFrame f : frames) {
            String json = write(f);
            assertThat(read(json, Frames.ClientFrame.class)).as(json).isEqualTo(f);
        }
        assertThat(write(new Frames.Delivered(null, "chat", 7))).isEqualTo("{\"type\":\"delivered\",\"chatId\":\"chat\",\"upToSeq\":7}");
    }

    @Test
    void serverFramesCarryTheirType() throws Exception {
        var m = new Model.Message("m", "c", 1, "u", "cid", "text", "hi", null, null, 10, null, null, null, null);
        assertThat(write(m)).startsWith("{\"type\":\"message\",").doesNotContain("status").doesNotContain("media");
        assertThat(read(write(m), Frames.ServerFrame.class)).isEqualTo(m);
        var photo = new Model.Media("md", "image", "image/jpeg", 1234, "ab".repeat(32), "a.jpg", 640, 480, null,
                new Model.Thumbnail(320, 240, 4000, "cd".repeat(32)), "data:image/jpeg;base64,AAAA", 9);
        var withPhoto = new Model.Message("m2", "c", 2, "u", "cid2", "image", null, null, null, 11, null, null, null, photo);
        assertThat(read(write(withPhoto), Frames.ServerFrame.class)).isEqualTo(withPhoto);
        var receipt = new Frames.Receipt("c", "u", "read", 3, 9);
        assertThat(read(write(receipt), Frames.ServerFrame.class)).isEqualTo(receipt);
    }

    @Test
    void textLeavesAsUtf8WithoutEscapes() {
        var m = new Model.Message("m", "c", 1, "u", "cid", "text", "Grüße \uD83D\uDC4B\uD83C\uDFFD 你好", null, null, 10, null, null, null, null);
        byte[] bytes = WireJson.encodeBytes(m);
        assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).contains("Grüße \uD83D\uDC4B\uD83C\uDFFD 你好").doesNotContain("\\u");
        assertThat(bytes).isEqualTo(WireJson.encode(m).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void unknownOrMissingTypesAreRefused() {
        assertThatThrownBy(() -> read("{\"type\":\"explode\"}", Frames.ClientFrame.class)).isInstanceOf(InvalidTypeIdException.class);
        assertThatThrownBy(() -> read("{\"chatId\":\"x\"}", Frames.ClientFrame.class)).isInstanceOf(InvalidTypeIdException.class);
    }

    @Test
    void numbersAreNotStringsAndStringsAreNotNumbers() {
        assertThatThrownBy(() -> read("{\"clientMsgId\":5,\"text\":\"x\"}", Requests.SendMessageRequest.class))
                .isInstanceOf(MismatchedInputException.class);
        assertThatThrownBy(() -> read("{\"upToSeq\":\"5\"}", Requests.ReadRequest.class)).isInstanceOf(MismatchedInputException.class);
        assertThatThrownBy(() -> read("{\"upToSeq\":5.5}", Requests.ReadRequest.class)).isInstanceOf(MismatchedInputException.class);
    }

    @Test
    void validationRunsInTheConstructors() {
        assertThatThrownBy(() -> read("{\"phone\":\"0155\"}", Requests.CodeRequest.class))
                .isInstanceOf(ValueInstantiationException.class)
                .cause().isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PHONE));
        assertThatThrownBy(() -> read("{\"upToSeq\":-1}", Requests.ReadRequest.class))
                .cause().isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> read("{}", Requests.ReadRequest.class)).isInstanceOf(MismatchedInputException.class);
    }

    @Test
    void textIsLimitedInUtf8Bytes() {
        String ascii = "a".repeat(Validate.MAX_TEXT_BYTES);
        assertThat(new Requests.SendMessageRequest("c", ascii, null).text()).hasSize(65_536);
        String tooMany = "é".repeat(Validate.MAX_TEXT_BYTES / 2 + 1); // 2 bytes each
        assertThatThrownBy(() -> new Requests.SendMessageRequest("c", tooMany, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TEXT_TOO_LONG));
        assertThatThrownBy(() -> new Requests.SendMessageRequest("c", "bad \uD800 half", null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UTF8));
        assertThatThrownBy(() -> new Requests.SendMessageRequest("c", "", null)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> new Requests.SendMessageRequest("c", "text and", null, "media1", null)).hasMessageContaining("caption");
        assertThatThrownBy(() -> new Requests.SendMessageRequest("c", "t", null, null, "a caption")).hasMessageContaining("mediaId");
        assertThat(new Requests.SendMessageRequest("c", null, null, "media1", null).body()).isNull();
        assertThat(new Requests.SendMessageRequest("c", null, null, "media1", "sunset").body()).isEqualTo("sunset");
        assertThatThrownBy(() -> new Requests.SendMessageRequest("has space", "x", null)).isInstanceOf(ApiException.class);
    }

    @Test
    void phonesMustBeE164() {
        assertThat(Validate.phone("+14155550100")).isEqualTo("+14155550100");
        for (String bad : new String[] {"14155550100", "+0123456789", "+1234", "+1234567890123456", "+1415555010a"}) {
            assertThatThrownBy(() -> Validate.phone(bad)).as(bad).isInstanceOf(ApiException.class);
        }
    }
}
