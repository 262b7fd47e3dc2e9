import 'reflect-metadata';

export { readOrCreateDataFile } from './data-file.js';
export { AppError, badInput, conflict, type ErrorCode, eventsMissed, forbidden, formatError, isEventsMissed, notFound, unauthenticated } from './errors.js';
export { EventQueue, isLiveStream, type LiveStream } from './event-queue.js';
export { RegistryBus, type RegistryEventName, type RegistryEvents } from './events.js';
export { isUuid, newId, randomHex, sortableId } from './ids.js';
export { MqttListener, TestClientTransport } from './listener.js';
export { MessageProperties, messageProperties, type OutgoingProperties, type PacketProperties, packetProperties } from './message-properties.js';
export { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, type KeysetOptions, keysetPage, keysetQuery, MAX_PAGE_SIZE, type Page, pageSize, type SortDirection, toPage } from './pagination.js';
export { atMostEvery, childLogger, type Clock, type Logger, type LogLevel, nowMs, systemClock, timerAt } from './runtime.js';
export { isStorageUnavailable, StorageUnavailableError } from './storage-errors.js';
export { checkTopicFilter, planTopicFilter, publishTopicProblem, TOPIC_PREFIX_CHARS, topicFilterProblem, topicMatches, topicPrefix } from './topics.js';
export { type Corkable, TurnCork } from './turn-cork.js';
export { checkName, normalizeEmail, searchPattern } from './validate.js';
