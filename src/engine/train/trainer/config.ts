// The training configuration lives in src/shared/train_config.ts (the Train form validates
// with it too); engine code keeps importing it from here.
export * from '../../../shared/train_config.ts';
