import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';

import { Permission } from '../access/index.js';
import { DeviceEntity, ORGANIZATION_ID } from '../devices/index.js';
import { type Connection, ConnectionType, type GraphQLContext, toConnection } from '../graphql/index.js';
import { KeyAlgorithmEnum, type PkiService } from '../pki/index.js';
import { CertificateEntity, CertificateStatus } from './certificate.entity.js';
import type { CertificateService } from './certificate.service.js';

@InputType()
export class CertificateFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name, common name, serial number or fingerprint.' })
  search?: string | null;

  @Field(() => CertificateStatus, { nullable: true })
  status?: CertificateStatus | null;
}

export const CertificateConnection = ConnectionType('Certificate', CertificateEntity);

@Resolver(() => CertificateEntity)
export class CertificateResolver {
  constructor(
    private readonly service: CertificateService,
    private readonly pki: PkiService,
  ) {}

  @Query(() => CertificateEntity, { description: 'A certificate of an organization you belong to; NOT_FOUND otherwise.' })
  async certificate(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<CertificateEntity> {
    return (await this.service.authorize(ctx.access, id, Permission.READ)).cert;
  }

  @Query(() => CertificateConnection, { description: "An organization's certificates, newest first: search, status filter, cursor paging." })
  async certificates(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
    @Arg('filter', () => CertificateFilter, { nullable: true }) filter?: CertificateFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<CertificateEntity>> {
    const scope = await ctx.access.organization(organizationId, Permission.READ);
    return toConnection(await this.service.list(scope.organizationId, { ...filter, first, after }));
  }

  @Mutation(() => CertificateEntity, { description: 'Issues a key pair and a certificate signed by the platform CA (DEVELOPER or higher).' })
  async createCertificate(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId: string | null | undefined,
    @Arg('name', { description: 'Display name, 1–100 characters; also names the files of the download bundle.' }) name: string,
    @Arg('validityDays', () => Int, { nullable: true, description: 'Defaults to the server setting (365 days).' }) validityDays?: number | null,
    @Arg('keyAlgorithm', () => KeyAlgorithmEnum, { nullable: true, defaultValue: KeyAlgorithmEnum.ECDSA }) keyAlgorithm?: KeyAlgorithmEnum | null,
    @Arg('commonName', () => String, { nullable: true, description: 'Subject CN (≤ 64 characters); defaults to the name.' }) commonName?: string | null,
  ): Promise<CertificateEntity> {
    return this.service.create(await ctx.access.organization(organizationId, Permission.CERTIFICATES), { name, validityDays, keyAlgorithm, commonName });
  }

  @Mutation(() => ID, { description: 'Deletes a certificate that no device is bound to (CONFLICT otherwise); it stays in the CRL. Returns its id.' })
  async deleteCertificate(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<string> {
    return (await this.service.delete(ctx.access, id)).id;
  }

  @Mutation(() => CertificateEntity, { description: 'Lets a CERTIFICATE device authenticate with this certificate on the mutual-TLS port.' })
  bindCertificate(@Ctx() ctx: GraphQLContext, @Arg('certificateId', () => ID) certificateId: string, @Arg('deviceId', () => ID) deviceId: string): Promise<CertificateEntity> {
    return this.service.bind(ctx.access, certificateId, deviceId);
  }

  @Mutation(() => CertificateEntity, { description: "Removes the binding; the device's sessions using this certificate are disconnected." })
  unbindCertificate(@Ctx() ctx: GraphQLContext, @Arg('certificateId', () => ID) certificateId: string, @Arg('deviceId', () => ID) deviceId: string): Promise<CertificateEntity> {
    return this.service.unbind(ctx.access, certificateId, deviceId);
  }

  @Mutation(() => CertificateEntity, { description: 'Revokes the certificate: refused from now on, listed in the CRL, live sessions using it disconnected.' })
  revokeCertificate(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('reason', () => String, { nullable: true }) reason?: string | null): Promise<CertificateEntity> {
    return this.service.revoke(ctx.access, id, reason);
  }

  @FieldResolver(() => CertificateStatus)
  status(@Root() cert: CertificateEntity): CertificateStatus {
    return this.service.status(cert);
  }

  @FieldResolver(() => String, { nullable: true, description: "PEM (PKCS#8), the bundle's <name>.key (DEVELOPER or higher; FORBIDDEN for VIEWER)." })
  async privateKeyPem(@Root() cert: CertificateEntity, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    await ctx.access.within(cert.organizationId, Permission.SECRETS, 'Certificate');
    return this.service.privateKeyPem(cert);
  }

  @FieldResolver(() => String, { description: "The platform root CA (PEM), the bundle's root_ca.crt." })
  rootCaPem(): string {
    return this.pki.caCertificatePem();
  }

  @FieldResolver(() => String, { description: 'Path of the zip bundle (root_ca.crt, <name>.crt, <name>.key), relative to the server URL; send the bearer token.' })
  bundlePath(@Root() cert: CertificateEntity): string {
    return `/certificates/${cert.id}/bundle.zip`;
  }

  @FieldResolver(() => [DeviceEntity], { description: 'Devices bound to this certificate.' })
  async devices(@Root() cert: CertificateEntity, @Ctx() ctx: GraphQLContext): Promise<DeviceEntity[]> {
    const devices = await ctx.loaders
      .get('certificates.devices', async (ids: readonly string[]) => {
        const map = await this.service.devicesFor(ids);
        return ids.map((id) => map.get(id) ?? []);
      })
      .load(cert.id);
    return devices.filter((d) => d.organizationId === cert.organizationId);
  }
}

/** `Device.certificates`, kept with the certificates feature. */
@Resolver(() => DeviceEntity)
export class DeviceCertificatesResolver {
  constructor(private readonly service: CertificateService) {}

  @FieldResolver(() => [CertificateEntity], { description: 'Certificates this device may authenticate with (CERTIFICATE devices), newest first.' })
  async certificates(@Root() device: DeviceEntity, @Ctx() ctx: GraphQLContext): Promise<CertificateEntity[]> {
    const certs = await ctx.loaders
      .get('certificates.byDevice', async (ids: readonly string[]) => {
        const map = await this.service.certificatesFor(ids);
        return ids.map((id) => map.get(id) ?? []);
      })
      .load(device.id);
    return certs.filter((c) => c.organizationId === device.organizationId);
  }
}
