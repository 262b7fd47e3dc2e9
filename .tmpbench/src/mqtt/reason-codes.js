"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PacketType = exports.ConnackReturnCode = exports.ReasonCode = void 0;
/** MQTT 5 reason codes Portico sends (MQTT 5.0 §2.4, table 2-6). */
var ReasonCode;
(function (ReasonCode) {
    ReasonCode[ReasonCode["SUCCESS"] = 0] = "SUCCESS";
    ReasonCode[ReasonCode["UNSPECIFIED_ERROR"] = 128] = "UNSPECIFIED_ERROR";
    ReasonCode[ReasonCode["MALFORMED_PACKET"] = 129] = "MALFORMED_PACKET";
    ReasonCode[ReasonCode["PROTOCOL_ERROR"] = 130] = "PROTOCOL_ERROR";
    ReasonCode[ReasonCode["IMPLEMENTATION_SPECIFIC_ERROR"] = 131] = "IMPLEMENTATION_SPECIFIC_ERROR";
    ReasonCode[ReasonCode["BAD_USERNAME_OR_PASSWORD"] = 134] = "BAD_USERNAME_OR_PASSWORD";
    ReasonCode[ReasonCode["NOT_AUTHORIZED"] = 135] = "NOT_AUTHORIZED";
    ReasonCode[ReasonCode["SERVER_UNAVAILABLE"] = 136] = "SERVER_UNAVAILABLE";
    ReasonCode[ReasonCode["SERVER_BUSY"] = 137] = "SERVER_BUSY";
    ReasonCode[ReasonCode["SERVER_SHUTTING_DOWN"] = 139] = "SERVER_SHUTTING_DOWN";
    ReasonCode[ReasonCode["KEEP_ALIVE_TIMEOUT"] = 141] = "KEEP_ALIVE_TIMEOUT";
    ReasonCode[ReasonCode["SESSION_TAKEN_OVER"] = 142] = "SESSION_TAKEN_OVER";
    ReasonCode[ReasonCode["TOPIC_FILTER_INVALID"] = 143] = "TOPIC_FILTER_INVALID";
    ReasonCode[ReasonCode["TOPIC_NAME_INVALID"] = 144] = "TOPIC_NAME_INVALID";
    ReasonCode[ReasonCode["TOPIC_ALIAS_INVALID"] = 148] = "TOPIC_ALIAS_INVALID";
    ReasonCode[ReasonCode["PACKET_TOO_LARGE"] = 149] = "PACKET_TOO_LARGE";
    ReasonCode[ReasonCode["QUOTA_EXCEEDED"] = 151] = "QUOTA_EXCEEDED";
    ReasonCode[ReasonCode["ADMINISTRATIVE_ACTION"] = 152] = "ADMINISTRATIVE_ACTION";
    ReasonCode[ReasonCode["SHARED_SUBSCRIPTIONS_NOT_SUPPORTED"] = 158] = "SHARED_SUBSCRIPTIONS_NOT_SUPPORTED";
    ReasonCode[ReasonCode["CONNECTION_RATE_EXCEEDED"] = 159] = "CONNECTION_RATE_EXCEEDED";
})(ReasonCode || (exports.ReasonCode = ReasonCode = {}));
/** MQTT 3.1/3.1.1 CONNACK return codes (MQTT 3.1.1 §3.2.2.3); aedes maps them to MQTT 5 reason codes. */
var ConnackReturnCode;
(function (ConnackReturnCode) {
    ConnackReturnCode[ConnackReturnCode["ACCEPTED"] = 0] = "ACCEPTED";
    ConnackReturnCode[ConnackReturnCode["UNACCEPTABLE_PROTOCOL_VERSION"] = 1] = "UNACCEPTABLE_PROTOCOL_VERSION";
    ConnackReturnCode[ConnackReturnCode["IDENTIFIER_REJECTED"] = 2] = "IDENTIFIER_REJECTED";
    ConnackReturnCode[ConnackReturnCode["SERVER_UNAVAILABLE"] = 3] = "SERVER_UNAVAILABLE";
    ConnackReturnCode[ConnackReturnCode["BAD_USERNAME_OR_PASSWORD"] = 4] = "BAD_USERNAME_OR_PASSWORD";
    ConnackReturnCode[ConnackReturnCode["NOT_AUTHORIZED"] = 5] = "NOT_AUTHORIZED";
})(ConnackReturnCode || (exports.ConnackReturnCode = ConnackReturnCode = {}));
/** MQTT control packet types (MQTT 5.0 §2.1.2). */
var PacketType;
(function (PacketType) {
    PacketType[PacketType["CONNECT"] = 1] = "CONNECT";
    PacketType[PacketType["PUBLISH"] = 3] = "PUBLISH";
    PacketType[PacketType["PUBACK"] = 4] = "PUBACK";
    PacketType[PacketType["PUBCOMP"] = 7] = "PUBCOMP";
    PacketType[PacketType["SUBSCRIBE"] = 8] = "SUBSCRIBE";
    PacketType[PacketType["UNSUBSCRIBE"] = 10] = "UNSUBSCRIBE";
    PacketType[PacketType["DISCONNECT"] = 14] = "DISCONNECT";
})(PacketType || (exports.PacketType = PacketType = {}));
//# sourceMappingURL=reason-codes.js.map