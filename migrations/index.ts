import { Foundation1764000000000 } from './1764000000000-Foundation.js';
import { Certificates1764000200000 } from './1764000200000-Certificates.js';
import { MessageServer1764000300000 } from './1764000300000-MessageServer.js';
import { ConnectedInstance1764000400000 } from './1764000400000-ConnectedInstance.js';
import { MessageProperties1764000500000 } from './1764000500000-MessageProperties.js';
import { StorageProbe1764000600000 } from './1764000600000-StorageProbe.js';
import { ConnectionLogCount1764001200000 } from './1764001200000-ConnectionLogCount.js';
import { TopicPrefix1764001300000 } from './1764001300000-TopicPrefix.js';
import { RegistryGeneration1764001400000 } from './1764001400000-RegistryGeneration.js';
import { DeviceLatest1764001700000 } from './1764001700000-DeviceLatest.js';
import { EventDirection1764001900000 } from './1764001900000-EventDirection.js';
import { Organizations1764002000000 } from './1764002000000-Organizations.js';
import { RetainedMessages1764002050000 } from './1764002050000-RetainedMessages.js';
import { Fleet1764002300000 } from './1764002300000-Fleet.js';
import { EventIndexes1764002400000 } from './1764002400000-EventIndexes.js';
import { DeviceEventIndex1764002500000 } from './1764002500000-DeviceEventIndex.js';
import { DeviceListIndex1764002600000 } from './1764002600000-DeviceListIndex.js';
import { ConnectionLogIndex1764002700000 } from './1764002700000-ConnectionLogIndex.js';
import { EventRowKey1764002800000 } from './1764002800000-EventRowKey.js';

/** Every migration, in order. Listed explicitly so the same list works from ts-jest and from dist/. */
export const migrations = [
  Foundation1764000000000,
  Certificates1764000200000,
  MessageServer1764000300000,
  ConnectedInstance1764000400000,
  MessageProperties1764000500000,
  StorageProbe1764000600000,
  ConnectionLogCount1764001200000,
  TopicPrefix1764001300000,
  RegistryGeneration1764001400000,
  DeviceLatest1764001700000,
  EventDirection1764001900000,
  Organizations1764002000000,
  RetainedMessages1764002050000,
  Fleet1764002300000,
  EventIndexes1764002400000,
  DeviceEventIndex1764002500000,
  DeviceListIndex1764002600000,
  ConnectionLogIndex1764002700000,
  EventRowKey1764002800000,
];
