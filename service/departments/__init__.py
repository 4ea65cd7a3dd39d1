"""The department workbench: a unit's queue, signing for, contact, replies, assisting units."""
