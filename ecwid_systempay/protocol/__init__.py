"""Pure protocol code: no I/O, no web framework, no database.

Everything here is deterministic and unit-tested on its own: the Systempay form
signature, amounts and currencies, transaction status groups, the Ecwid payload
encryption, field cleaning and the IPN answers.
"""
