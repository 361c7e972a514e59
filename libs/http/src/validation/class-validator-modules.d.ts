/**
 * Types for the class-validator modules validators.ts loads one by one.
 * class-validator ships its types for the package's index only; each of
 * these modules exports exactly the index's binding of the same name.
 */
declare module 'class-validator/cjs/decorator/common/Equals' {
  export { Equals } from 'class-validator';
}
declare module 'class-validator/cjs/decorator/common/IsIn' {
  export { IsIn } from 'class-validator';
}
declare module 'class-validator/cjs/decorator/common/IsOptional' {
  export { IsOptional } from 'class-validator';
}
declare module 'class-validator/cjs/decorator/common/ValidateBy' {
  export { ValidateBy } from 'class-validator';
}
declare module 'class-validator/cjs/decorator/string/IsEmail' {
  export { IsEmail } from 'class-validator';
}
declare module 'class-validator/cjs/decorator/typechecker/IsString' {
  export { IsString } from 'class-validator';
}
declare module 'class-validator/cjs/validation/Validator' {
  export { Validator } from 'class-validator';
}
declare module 'class-validator/cjs/container' {
  export { getFromContainer } from 'class-validator';
}
