"""The register machine's instruction codes (``vm.py``), importable without numba (``kernel.py`` builds programs)."""

# opcodes: operation << 2 | operand kinds (0: scalar, scalar; 1: row, scalar; 2: scalar, row; 3: row, row)
ADD, SUB, MUL, DIV, POW, MIN, MAX, DIV0 = range(8)  # binary: out = a op b
NEG, COPY = 8, 9  # unary: out = -a, out = a (kind 1 or 3: a row; kind 0: a scalar; kind 2: a scalar into a row)
LOAD_COLUMN = 10  # scalar out = CL[a, year]
LOAD_FULL = 11  # row out = FL[a, year, :]
WRITE_O, WRITE_T, WRITE_R, WRITE_P = 12, 13, 14, 15  # O[a, year, off + :] = register b (row: kind 1, scalar: 0)
SUM_Q, SUM_S = 16, 17  # Q[a, year] = the sum over the block's draws of register b

# two operations in one pass over the draws (a pair the program makes often; the same operations, same order)
ADD3 = 18  # out = (a + b) + c, rows
MUL3 = 19  # out = (a * b) * c, rows
MUL_SS = 20  # out = (a * b) * c, a row, b and c scalars
MUL_DIV = 21  # out = (a * b) / c, a and b rows, c a scalar

# one draw, its years as the row (``kernel``'s programs across years): a flow's value per year, not a sum
WRITE_Q, WRITE_S = 22, 23  # qsum[a, off + :] = register b

SCALAR_SCALAR, ROW_SCALAR, SCALAR_ROW, ROW_ROW = 0, 1, 2, 3
