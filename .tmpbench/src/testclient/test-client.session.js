"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TestClientSession = exports.MessageDirection = exports.TestClientTransport = exports.TestClientState = void 0;
exports.describeConnectError = describeConnectError;
const node_events_1 = require("node:events");
const ids_js_1 = require("../common/ids.js");
var TestClientState;
(function (TestClientState) {
    TestClientState["CONNECTING"] = "CONNECTING";
    TestClientState["CONNECTED"] = "CONNECTED";
    TestClientState["DISCONNECTED"] = "DISCONNECTED";
    TestClientState["ERROR"] = "ERROR";
})(TestClientState || (exports.TestClientState = TestClientState = {}));
var TestClientTransport;
(function (TestClientTransport) {
    /** Plain MQTT, Token authentication. */
    TestClientTransport["MQTT"] = "MQTT";
    /** One-way TLS, Token authentication. */
    TestClientTransport["MQTTS"] = "MQTTS";
    /** Two-way TLS, Certificate authentication. */
    TestClientTransport["MQTTS_MUTUAL"] = "MQTTS_MUTUAL";
})(TestClientTransport || (exports.TestClientTransport = TestClientTransport = {}));
var MessageDirection;
(function (MessageDirection) {
    MessageDirection["REPORTED"] = "REPORTED";
    MessageDirection["RECEIVED"] = "RECEIVED";
})(MessageDirection || (exports.MessageDirection = MessageDirection = {}));
/** One user's server-side MQTT client, connected as one of their devices. */
class TestClientSession {
    constructor(organizationId, 
    /** The user who started it (for an API key, the key's creator); it ends when they may no longer drive test clients there. */
    startedByUserId, device, transport, cleanSession, keepalive, mqttVersion, startedAt) {
        this.organizationId = organizationId;
        this.startedByUserId = startedByUserId;
        this.device = device;
        this.transport = transport;
        this.cleanSession = cleanSession;
        this.keepalive = keepalive;
        this.mqttVersion = mqttVersion;
        this.startedAt = startedAt;
        this.id = (0, ids_js_1.newId)();
        this.state = TestClientState.CONNECTING;
        this.error = null;
        this.connectedAt = null;
        this.endedAt = null;
        /** The device was online when this session started with force: its connection was taken over. */
        this.tookOverOnlineDevice = false;
        this.subscriptions = new Map();
        this.messages = [];
        this.droppedCount = 0;
        this.seq = 0;
        /** `message` (TestMessage), `state` (this), `end`. */
        this.events = new node_events_1.EventEmitter();
        this.events.setMaxListeners(0);
    }
    get active() {
        return this.state === TestClientState.CONNECTING || this.state === TestClientState.CONNECTED;
    }
    list(direction) {
        return this.messages.filter((m) => m.direction === direction);
    }
}
exports.TestClientSession = TestClientSession;
/** A connect failure of a test client in words a user understands. */
function describeConnectError(err) {
    const code = err.code;
    if (typeof code === 'number') {
        const reasons = {
            1: 'refused: unacceptable protocol version',
            2: 'refused: client identifier rejected',
            3: 'refused: server unavailable',
            4: 'refused: bad username or password',
            5: 'refused: not authorized',
            0x86: 'refused: bad username or password',
            0x87: 'refused: not authorized',
            0x85: 'refused: client identifier not valid',
            0x88: 'refused: server unavailable',
            0x8a: 'refused: banned',
        };
        return reasons[code] ?? `refused by the server (reason code ${code})`;
    }
    if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code))
        return `certificate problem: ${err.message}`;
    if (code === 'ECONNREFUSED')
        return 'the message server is not reachable';
    return err.message || 'connection failed';
}
//# sourceMappingURL=test-client.session.js.map