"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Organizations1764002000000 = void 0;
const typeorm_1 = require("typeorm");
/** Tables whose rows belong to an owner: the owner becomes an organization. */
const OWNED = ['devices', 'certificates', 'connection_logs', 'device_events', 'device_latest'];
/**
 * Ownership moves from users to organizations. Each user gets a personal organization whose id is the user's id, of
 * which they are the OWNER: every existing row's owner id is then already its organization id, so the event tables
 * are not rewritten (only their column is renamed), and every topic namespace stays as it was. API keys move to
 * their creator's personal organization with the ADMIN role (everything they could do before). New organizations and
 * new users' personal organizations get ids of their own.
 */
class Organizations1764002000000 {
    constructor() {
        this.name = 'Organizations1764002000000';
    }
    async up(q) {
        await q.createTable(new typeorm_1.Table({
            name: 'organizations',
            columns: [
                { name: 'id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'name', type: 'varchar', length: '100' },
                { name: 'personal', type: 'boolean' },
                { name: 'created_by_user_id', type: 'varchar', length: '36', isNullable: true },
                { name: 'created_at', type: 'bigint' },
            ],
        }));
        await q.createTable(new typeorm_1.Table({
            name: 'memberships',
            columns: [
                { name: 'organization_id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'role', type: 'varchar', length: '16' },
                { name: 'created_at', type: 'bigint' },
            ],
            indices: [new typeorm_1.TableIndex({ name: 'ix_memberships_user', columnNames: ['user_id'] })],
            foreignKeys: [
                new typeorm_1.TableForeignKey({ columnNames: ['organization_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
                new typeorm_1.TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
            ],
        }));
        await q.createTable(new typeorm_1.Table({
            name: 'invitations',
            columns: [
                { name: 'id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'organization_id', type: 'varchar', length: '36' },
                { name: 'email', type: 'varchar', length: '254' },
                { name: 'role', type: 'varchar', length: '16' },
                { name: 'token_hash', type: 'varchar', length: '64' },
                { name: 'invited_by_user_id', type: 'varchar', length: '36' },
                { name: 'created_at', type: 'bigint' },
                { name: 'expires_at', type: 'bigint' },
                { name: 'accepted_at', type: 'bigint', isNullable: true },
            ],
            indices: [
                new typeorm_1.TableIndex({ name: 'ix_invitations_organization', columnNames: ['organization_id'] }),
                new typeorm_1.TableIndex({ name: 'uq_invitations_token_hash', columnNames: ['token_hash'], isUnique: true }),
            ],
            foreignKeys: [new typeorm_1.TableForeignKey({ columnNames: ['organization_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        }));
        // No foreign key: the trail outlives what it describes (deleted devices, a deleted organization).
        await q.createTable(new typeorm_1.Table({
            name: 'audit_logs',
            columns: [
                { name: 'id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'organization_id', type: 'varchar', length: '36' },
                { name: 'time', type: 'bigint' },
                { name: 'action', type: 'varchar', length: '40' },
                { name: 'actor_type', type: 'varchar', length: '8' },
                { name: 'actor_user_id', type: 'varchar', length: '36' },
                { name: 'actor_api_key_id', type: 'varchar', length: '36', isNullable: true },
                { name: 'actor_label', type: 'varchar', length: '300' },
                { name: 'remote_address', type: 'varchar', length: '64', isNullable: true },
                { name: 'target_type', type: 'varchar', length: '24' },
                { name: 'target_id', type: 'varchar', length: '64', isNullable: true },
                { name: 'target_label', type: 'varchar', length: '300', isNullable: true },
                { name: 'changes', type: 'text', isNullable: true },
            ],
            indices: [new typeorm_1.TableIndex({ name: 'ix_audit_logs_org_time', columnNames: ['organization_id', 'time', 'id'] })],
        }));
        // Every user's personal organization, with the user's id, and the user as its OWNER.
        const yes = q.connection.driver.options.type === 'postgres' ? 'TRUE' : '1';
        await q.query(`INSERT INTO "organizations" ("id", "name", "personal", "created_by_user_id", "created_at") SELECT "id", "email", ${yes}, "id", "created_at" FROM "users"`);
        await q.query(`INSERT INTO "memberships" ("organization_id", "user_id", "role", "created_at") SELECT "id", "id", 'OWNER', "created_at" FROM "users"`);
        await q.addColumn('users', new typeorm_1.TableColumn({ name: 'personal_organization_id', type: 'varchar', length: '36', isNullable: true }));
        await q.query(`UPDATE "users" SET "personal_organization_id" = "id"`);
        await q.addColumns('api_keys', [
            new typeorm_1.TableColumn({ name: 'organization_id', type: 'varchar', length: '36', isNullable: true }),
            new typeorm_1.TableColumn({ name: 'role', type: 'varchar', length: '16', default: "'ADMIN'" }),
            new typeorm_1.TableColumn({ name: 'expires_at', type: 'bigint', isNullable: true }),
        ]);
        await q.query(`UPDATE "api_keys" SET "organization_id" = "user_id", "role" = 'ADMIN'`);
        await q.createIndex('api_keys', new typeorm_1.TableIndex({ name: 'ix_api_keys_organization', columnNames: ['organization_id'] }));
        // A rename in place on both databases (SQLite ≥ 3.25): no table copy, indexes follow.
        for (const table of OWNED)
            await q.query(`ALTER TABLE "${table}" RENAME COLUMN "owner_id" TO "organization_id"`);
        // Devices and certificates belonged to users by foreign key; now to organizations.
        for (const name of ['devices', 'certificates']) {
            const table = await q.getTable(name);
            const fk = table?.foreignKeys.find((f) => f.columnNames.includes('organization_id') && f.referencedTableName.endsWith('users'));
            if (!table || !fk)
                throw new Error(`${name}: owner foreign key not found`);
            await q.dropForeignKey(table, fk);
            await q.createForeignKey(name, new typeorm_1.TableForeignKey({ columnNames: ['organization_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }));
        }
    }
    async down(q) {
        for (const name of ['devices', 'certificates']) {
            const table = await q.getTable(name);
            const fk = table?.foreignKeys.find((f) => f.columnNames.includes('organization_id'));
            if (table && fk)
                await q.dropForeignKey(table, fk);
        }
        for (const table of OWNED)
            await q.query(`ALTER TABLE "${table}" RENAME COLUMN "organization_id" TO "owner_id"`);
        for (const name of ['devices', 'certificates']) {
            await q.createForeignKey(name, new typeorm_1.TableForeignKey({ columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }));
        }
        await q.dropIndex('api_keys', 'ix_api_keys_organization');
        await q.dropColumns('api_keys', ['organization_id', 'role', 'expires_at']);
        await q.dropColumn('users', 'personal_organization_id');
        await q.dropTable('audit_logs');
        await q.dropTable('invitations');
        await q.dropTable('memberships');
        await q.dropTable('organizations');
    }
}
exports.Organizations1764002000000 = Organizations1764002000000;
//# sourceMappingURL=1764002000000-Organizations.js.map