import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, ID, Info, InputType, Int, Mutation, ObjectType, Query, registerEnumType, Resolver, Root } from 'type-graphql';

import { Permission } from '../access/index.js';
import { type Connection, ConnectionType, type GraphQLContext, selectedFieldNames, SortDirectionEnum, toConnection } from '../graphql/index.js';
import { DeviceAuthType, DeviceEntity, DeviceStatus } from './device.entity.js';
import type { DeviceService } from './device.service.js';
import { DeviceSortField } from './device-list.js';

registerEnumType(DeviceSortField, { name: 'DeviceSortField' });

/** Where a DeviceConnection holds its devices (the list loads only the columns their selected fields read). */
const DEVICE_PATHS = [['nodes'], ['edges', 'node']] as const;

export const ORGANIZATION_ID = "An organization you belong to (NOT_FOUND otherwise); default: your personal organization, or your API key's.";

const INACTIVITY_TIMEOUT = 'Seconds without any packet after which the device is flagged inactive (Device.active false); 0 = never. Default: PORTICO_DEVICE_INACTIVITY_TIMEOUT_SECONDS.';

@InputType()
export class CreateDeviceInput {
  @Field({ description: 'Display name, 1–100 characters.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'MQTT client id ([A-Za-z0-9_.:-], ≤ 64); generated when omitted.' })
  deviceNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'MQTT connection username ([A-Za-z0-9_.:-], ≤ 64); generated when omitted.' })
  username?: string | null;

  @Field(() => DeviceAuthType, { nullable: true, defaultValue: DeviceAuthType.TOKEN })
  authType?: DeviceAuthType | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: INACTIVITY_TIMEOUT })
  inactivityTimeout?: number | null;
}

@InputType()
export class UpdateDeviceInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => DeviceAuthType, { nullable: true })
  authType?: DeviceAuthType | null;

  @Field(() => Boolean, { nullable: true, description: 'A blocked device is refused by the message server.' })
  blocked?: boolean | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: INACTIVITY_TIMEOUT })
  inactivityTimeout?: number | null;
}

@InputType()
export class DeviceFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the device name.' })
  search?: string | null;

  @Field(() => DeviceStatus, { nullable: true })
  status?: DeviceStatus | null;

  @Field(() => DeviceAuthType, { nullable: true })
  authType?: DeviceAuthType | null;
}

@InputType()
export class DeviceOrder {
  @Field(() => DeviceSortField)
  field!: DeviceSortField;

  @Field(() => SortDirectionEnum, { nullable: true })
  direction?: SortDirectionEnum | null;
}

@ObjectType({ description: 'What a device needs to connect with Token authentication.' })
export class DeviceCredentials {
  @Field({ description: 'The MQTT client id.' })
  deviceNumber!: string;

  @Field({ description: 'The MQTT username.' })
  username!: string;

  device!: DeviceEntity;
}

export const DeviceConnection = ConnectionType('Device', DeviceEntity);

@Resolver(() => DeviceEntity)
export class DeviceResolver {
  constructor(private readonly service: DeviceService) {}

  @Query(() => DeviceEntity, { description: 'A device of an organization you belong to; NOT_FOUND otherwise.' })
  async device(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<DeviceEntity> {
    return (await this.service.authorize(ctx.access, id, Permission.READ)).device;
  }

  @Query(() => DeviceConnection, { description: "An organization's devices (default: your personal one, or your API key's): search by name, filter, sort, cursor paging." })
  async devices(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
    @Arg('filter', () => DeviceFilter, { nullable: true }) filter?: DeviceFilter | null,
    @Arg('orderBy', () => DeviceOrder, { nullable: true }) orderBy?: DeviceOrder | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Connection<DeviceEntity>> {
    const scope = await ctx.access.organization(organizationId, Permission.READ);
    const page = await this.service.list(scope.organizationId, {
      ...filter,
      sortField: orderBy?.field,
      direction: orderBy?.direction,
      first,
      after,
      fields: info ? selectedFieldNames(info, DEVICE_PATHS) : null,
    });
    return toConnection(page);
  }

  @Mutation(() => DeviceEntity, { description: "Creates a device in an organization (default: your personal one, or your API key's); DEVELOPER or higher." })
  async createDevice(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateDeviceInput) input: CreateDeviceInput,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
  ): Promise<DeviceEntity> {
    return this.service.create(await ctx.access.organization(organizationId, Permission.DEVICES), input);
  }

  @Mutation(() => DeviceEntity)
  updateDevice(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateDeviceInput) input: UpdateDeviceInput): Promise<DeviceEntity> {
    return this.service.update(ctx.access, id, input);
  }

  @Mutation(() => ID, { description: 'Deletes the device and its credentials; returns its id.' })
  async deleteDevice(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<string> {
    return (await this.service.delete(ctx.access, id)).id;
  }

  @Mutation(() => DeviceEntity, {
    description: "Ends the device's MQTT sessions now, on whichever instance holds them (MQTT 5 clients get 0x98, administrative action); logged. The device may connect again.",
  })
  disconnectDevice(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why (≤ 200 characters): in the log, and the MQTT 5 DISCONNECT reason string.' }) reason?: string | null,
  ): Promise<DeviceEntity> {
    return this.service.disconnect(ctx.access, id, reason ?? null);
  }

  @Mutation(() => DeviceEntity, { description: 'Issues a new device key; the old one stops working at once.' })
  regenerateDeviceKey(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<DeviceEntity> {
    return this.service.regenerateKey(ctx.access, id);
  }

  @FieldResolver(() => DeviceCredentials)
  credentials(@Root() device: DeviceEntity): DeviceCredentials {
    return { deviceNumber: device.deviceNumber, username: device.username, device };
  }

  @FieldResolver(() => ID, { description: 'The organization the device belongs to.' })
  organizationId(@Root() device: DeviceEntity): string {
    return device.organizationId;
  }
}
