import { Column, Entity, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';

/**
 * The platform CA, stored once in the database so that every instance sharing the database signs with
 * the same CA. The private key is encrypted with the server secret.
 */
@Entity({ name: 'pki_authorities' })
export class PlatformCaEntity {
  /** Always `platform` (one row; the primary key makes concurrent first starts agree on one CA). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'certificate_pem', type: 'text' })
  certificatePem!: string;

  @Column({ name: 'key_ciphertext', type: 'text' })
  keyCiphertext!: string;

  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;
}
