package org.parley.protocol;


/** Request bodies of the REST API. Validation lives in the canonical constructors. */
public final class Requests {
    private Requests() {}

    public record CodeRequest(String phone) {
        public CodeRequest {
            Validate.phone(phone);
        }
    }

    public record TokenRequest(String phone, String code, String deviceName) {
        public TokenRequest {
            Validate.phone(phone);
            Validate.required("code", code);
            if (!code.matches("[0-9]{6}")) throw ApiException.invalid("code must be 6 digits");
            deviceName = deviceName == null ? "device" : Validate.label("deviceName", deviceName, 64, false);
        }
    }

    /** PATCH /v1/me: absent fields stay as they are. */
    public record ProfileUpdate(String displayName, String about) {
        public ProfileUpdate {
            if (displayName != null) Validate.label("displayName", displayName, 64, false);
            if (about != null) Validate.label("about", about, 140, true);
            if (displayName == null && about == null) throw ApiException.invalid("give displayName or about");
        }
    }

    public record DeviceRename(String name) {
        public DeviceRename {
            Validate.label("name", name, 64, false);
        }
    }

    public record OpenChatRequest(String type, String userId) {
        public OpenChatRequest {
            Validate.required("type", type);
            if (!type.equals("direct")) throw ApiException.invalid("type must be \"direct\"");
            Validate.id("userId", userId);
        }
    }

    public record SendMessageRequest(String clientMsgId, String text, String replyTo) {
        public SendMessageRequest {
            Validate.id("clientMsgId", clientMsgId);
            Validate.messageText(text);
            if (replyTo != null) Validate.id("replyTo", replyTo);
        }
    }

    public record ReadRequest(long upToSeq) {

        public ReadRequest {
            if (upToSeq < 0) throw ApiException.invalid("upToSeq must be >= 0");
        }
    }
}
