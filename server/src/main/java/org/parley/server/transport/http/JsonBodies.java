package org.parley.server.transport.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.WireJson;

/**
 * Turns request bodies and WebSocket frames into validated records, with the same error
 * codes on both transports.
 */
public final class JsonBodies {
    private JsonBodies() {}

    /** Rejects bytes that are not UTF-8: JSON text must be, and a lenient decoder would hide it. */
    public static void requireUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new ApiException(ErrorCode.INVALID_UTF8, "the body is not valid UTF-8");
        }
    }

    public static <T> T parse(byte[] bytes, Class<T> type) {
        if (bytes.length == 0) throw new ApiException(ErrorCode.MALFORMED_JSON, "a JSON object body is required");
        requireUtf8(bytes);
        try {
            T value = WireJson.mapper().readValue(bytes, type);
            if (value == null) throw ApiException.invalid("the body must be a JSON object");
            return value;
        } catch (java.io.IOException e) {
            throw translate(e);
        }
    }

    public static <T> T parse(String text, Class<T> type) {
        if (text.isEmpty()) throw new ApiException(ErrorCode.MALFORMED_JSON, "a JSON object is required");
        try {
            T value = WireJson.mapper().readValue(text, type);
            if (value == null) throw ApiException.invalid("a JSON object is required");
            return value;
        } catch (java.io.IOException e) {
            throw translate(e);
        }
    }

    /** Maps Jackson's failures to the error vocabulary. */
    static ApiException translate(java.io.IOException e) {
        if (e instanceof ValueInstantiationException v && v.getCause() instanceof ApiException api) return api;
        if (e instanceof JsonMappingException m && m.getCause() instanceof ApiException api) return api;
        if (e instanceof InvalidTypeIdException t) {
            return t.getTypeId() == null
                    ? ApiException.invalid("the frame needs a \"type\"")
                    : new ApiException(ErrorCode.UNKNOWN_FRAME_TYPE, "unknown frame type \"" + t.getTypeId() + "\"");
        }
        if (e instanceof StreamReadException) return new ApiException(ErrorCode.MALFORMED_JSON, "not well-formed JSON: " + firstLine(e));
        if (e instanceof JsonMappingException m) {
            String path = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> a + "." + b).orElse("body");
            return ApiException.invalid(path + " is missing or has the wrong type");
        }
        if (e instanceof JacksonException) return new ApiException(ErrorCode.MALFORMED_JSON, firstLine(e));
        return new ApiException(ErrorCode.MALFORMED_JSON, "unreadable body");
    }

    private static String firstLine(Exception e) {
        String m = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) return "";
        for (String cut : new String[] {"\n", " (start marker", " at [Source"}) {
            int at = m.indexOf(cut);
            if (at >= 0) m = m.substring(0, at);
        }
        return m;
    }
}
