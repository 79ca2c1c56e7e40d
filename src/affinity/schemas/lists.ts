import { z } from 'zod';
import { idSchema, listRoleSchema, listTypeSchema } from './common.js';
import { fieldSchema } from './fields.js';

/** One entry of a list's `additional_permissions`. */
export const listPermissionSchema = z.looseObject({
  internal_person_id: idSchema,
  role_id: listRoleSchema,
});
export type ListPermission = z.output<typeof listPermissionSchema>;

/** The list resource. `GET /lists` omits `creator_id` and `additional_permissions` in the reference. */
export const listSchema = z.looseObject({
  id: idSchema,
  type: listTypeSchema,
  name: z.string(),
  public: z.boolean(),
  owner_id: idSchema.nullable(),
  creator_id: idSchema.nullable().optional(),
  list_size: z.number().int(),
  additional_permissions: z.array(listPermissionSchema).optional(),
});
export type List = z.output<typeof listSchema>;

/** `GET /lists/{list_id}`: the list with its list-specific fields. */
export const listWithFieldsSchema = listSchema.extend({
  fields: z.array(fieldSchema).optional(),
});
export type ListWithFields = z.output<typeof listWithFieldsSchema>;

export const listArraySchema = z.array(listSchema);
