import { Field, ObjectType, Query, Resolver } from 'type-graphql';

import type { PkiService } from './pki.service.js';
import { KeyAlgorithmEnum } from './pki.types.js';

@ObjectType('PlatformCa', { description: 'The platform root CA: devices verify the message server with it (root_ca.crt), and it signs device certificates.' })
export class PlatformCaType {
  @Field({ description: 'PEM; what the download bundle calls root_ca.crt.' })
  certificatePem!: string;

  @Field({ description: 'SHA-256 of the DER certificate, upper-case hex pairs separated by colons.' })
  fingerprint!: string;

  @Field()
  subject!: string;

  @Field(() => KeyAlgorithmEnum)
  keyAlgorithm!: KeyAlgorithmEnum;

  @Field()
  notBefore!: Date;

  @Field()
  notAfter!: Date;
}

@Resolver()
export class PkiResolver {
  constructor(private readonly pki: PkiService) {}

  @Query(() => PlatformCaType, { description: 'The platform root CA certificate (public; no authentication needed).' })
  platformCa(): PlatformCaType {
    const info = this.pki.platformCa();
    return {
      certificatePem: info.certificatePem,
      fingerprint: info.fingerprint,
      subject: info.subject,
      keyAlgorithm: info.keyAlgorithm as KeyAlgorithmEnum,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    };
  }
}
