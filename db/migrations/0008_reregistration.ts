/**
 * A person may hold more than one registrant entry over a lifetime (issue #6 leftovers).
 * - `<vault>.my_number_links.link_generation`: an entry that ended (erased on application or by a
 *   returned license, or revoked after a return order) keeps its 資格仮名ID and its link to the
 *   My Number — kept by law and for audit (R1.4, R5.3). A new registration of the same person gets a
 *   new 資格仮名ID: a second link with the same blind index and the next generation. The blind index
 *   is therefore unique per generation, not alone; a lookup takes the newest generation (the live
 *   entry, or the one a pending registration will create). The unique pair still decides a race.
 * - `registry_changes.license_edition`: which edition a change concerns where that is not the
 *   entry's current one — a lost license found after its reissue and returned (再交付後に発見).
 *
 * Down only works while no number has a second generation (the old unique key would not hold).
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  await c.exec(
    `ALTER TABLE ${c.vaultSchema}.my_number_links
       ADD COLUMN link_generation INT NOT NULL DEFAULT 1 COMMENT '1 for the first entry of a person, +1 for each re-registration' AFTER blind_index,
       ADD UNIQUE KEY uq_my_number_links_generation (blind_index, link_generation),
       DROP INDEX uq_my_number_links_index`,
    `ALTER TABLE ${c.appSchema}.registry_changes
       ADD COLUMN license_edition INT NULL COMMENT 'the edition concerned, when not the current one (a found license returned)' AFTER event`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  await c.exec(
    `ALTER TABLE ${c.appSchema}.registry_changes DROP COLUMN license_edition`,
    `ALTER TABLE ${c.vaultSchema}.my_number_links
       ADD UNIQUE KEY uq_my_number_links_index (blind_index),
       DROP INDEX uq_my_number_links_generation,
       DROP COLUMN link_generation`,
  );
};
