/** Input shape [C, H, W] and class count shared by every zoo constructor. */
export type ZooSpec = {
  input: readonly [number, number, number];
  classes: number;
  /** Channel widths instead of the defaults (vgg-small: its 5 convs, default 32,32,64,64,128; resnets and unet-small: the 3 levels, 16,32,64). */
  widths?: readonly number[];
  /** resnets only: the width of each BasicBlock's inner conv, in block order (default: its stage's width). */
  blockWidths?: readonly number[];
};
