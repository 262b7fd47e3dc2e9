import { CloseCode } from 'graphql-ws';

/** WebSocket close codes Portico sends on GraphQL subscription sockets; graphql-ws's own where it has the code. */
export enum WsCloseCode {
  /** The server is shutting down (RFC 6455 §7.4.1). */
  GOING_AWAY = 1001,
  /** More than the allowed bytes waited unread on the socket (graphql-ws leaves 4000-4399 to applications). */
  SUBSCRIBER_TOO_SLOW = 4008,
  /** The session token expired. */
  UNAUTHORIZED = CloseCode.Unauthorized,
  /** The API key was revoked. */
  FORBIDDEN = CloseCode.Forbidden,
  INTERNAL_SERVER_ERROR = CloseCode.InternalServerError,
}
