import { Column, Entity, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';

/** A device's key (its MQTT password): encrypted at rest, plus a keyed hash for verification. */
@Entity({ name: 'device_credentials' })
export class DeviceCredentialEntity {
  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Column({ name: 'key_ciphertext', type: 'varchar', length: 255 })
  keyCiphertext!: string;

  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ name: 'rotated_at', ...timestampColumn() })
  rotatedAt!: Date;
}
