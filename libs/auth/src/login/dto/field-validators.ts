import { Transform } from 'class-transformer';
import { ValidateBy } from '@td-sync/http';
import type { ValidationArguments } from 'class-validator';
import { isValidEmail } from '../../email-address';

/**
 * One validator per field, so the 400's message names exactly what is wrong
 * (the error filter reports the first failed constraint).
 */
export function IsRequiredString(options: { maxLength: number }): PropertyDecorator {
  return ValidateBy({
    name: 'isRequiredString',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && value !== '' && value.length <= options.maxLength,
      defaultMessage: (args?: ValidationArguments) => describeStringProblem(args, options.maxLength),
    },
  });
}

/** Trims, then requires a plain `local@domain` address (PROTOCOL.md: trimmed, and valid or 400). */
export function IsEmailAddress(): PropertyDecorator {
  const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
  const check = ValidateBy({
    name: 'isEmailAddress',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isValidEmail(value),
      defaultMessage: (args?: ValidationArguments) =>
        args && (args.value === undefined || args.value === null || args.value === '')
          ? `${args.property} is required`
          : `${args?.property ?? 'email'} must be a valid email address`,
    },
  });
  return (target: object, key: string | symbol) => {
    trim(target, key);
    check(target, key);
  };
}

function describeStringProblem(args: ValidationArguments | undefined, maxLength: number): string {
  const property = args?.property ?? 'field';
  const value: unknown = args?.value;
  if (value === undefined || value === null || value === '') return `${property} is required`;
  if (typeof value !== 'string') return `${property} must be a string`;
  return `${property} must be at most ${maxLength} characters`;
}
