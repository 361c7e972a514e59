import type { ValidationPipeOptions } from '@nestjs/common';
import { getFromContainer } from 'class-validator/cjs/container';
import { Validator } from 'class-validator/cjs/validation/Validator';

/**
 * The class-validator decorators td-sync's request DTOs use, and the package
 * the ValidationPipe validates them with, each loaded from its own module of
 * class-validator instead of from the package's index.
 *
 * Why: the index loads all of class-validator's 100-odd decorators, and with
 * them validator.js (113 modules) and libphonenumber-js's phone number
 * metadata, 3.3 MB of V8 heap that stays live for the life of the process.
 * Six decorators and the validator take 0.2 MB. Every live MB matters more
 * than once: V8 lets its old generation grow to a multiple of the live heap
 * before collecting it (docs/performance.md, Memory).
 *
 * Decorators and validator share class-validator's one metadata storage (a
 * global), so DTOs decorated from here are validated exactly as with the
 * index. Value imports from 'class-validator' itself are refused by the lint
 * configuration; type imports are free. The module paths are class-validator
 * 0.14's (package.json pins ^0.14): an upgrade that moves them fails loudly,
 * at load, in every spec that touches a DTO.
 */
export { Equals } from 'class-validator/cjs/decorator/common/Equals';
export { IsIn } from 'class-validator/cjs/decorator/common/IsIn';
export { IsOptional } from 'class-validator/cjs/decorator/common/IsOptional';
export { ValidateBy } from 'class-validator/cjs/decorator/common/ValidateBy';
export { IsEmail } from 'class-validator/cjs/decorator/string/IsEmail';
export { IsString } from 'class-validator/cjs/decorator/typechecker/IsString';

/** For ValidationPipe's `validatorPackage`: class-validator's own `validate`, as its index defines it. */
export const classValidatorPackage: NonNullable<ValidationPipeOptions['validatorPackage']> = {
  validate: (object, validatorOptions) => getFromContainer(Validator).validate(object as object, validatorOptions),
};
