-- mcpd demo database: the data behind the built-in SQLite tools.
--
--   sqlite3 demo.db < conf/demo.sql
--
-- The users match the identities of the example policy in mcpd.conf
-- (admin@example.com, dev@example.com, viewer@example.com).  Foreign keys
-- cascade: mcpd's tools run with PRAGMA foreign_keys on, so delete_users
-- also removes a user's orders and leaves their projects without an owner.

BEGIN;

CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	email		TEXT NOT NULL UNIQUE,
	role		TEXT NOT NULL DEFAULT 'viewer'
			CHECK (role IN ('admin', 'developer', 'viewer')),
	created_at	TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE projects (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	owner_id	INTEGER REFERENCES users (id) ON DELETE SET NULL,
	status		TEXT NOT NULL DEFAULT 'active'
			CHECK (status IN ('active', 'paused', 'archived')),
	created_at	TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE products (
	id		INTEGER PRIMARY KEY,
	sku		TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL,
	price_cents	INTEGER NOT NULL CHECK (price_cents >= 0)
);

CREATE TABLE orders (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL
			REFERENCES users (id) ON DELETE CASCADE,
	product_id	INTEGER NOT NULL REFERENCES products (id),
	quantity	INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
	status		TEXT NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'paid', 'shipped',
			    'cancelled')),
	created_at	TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX orders_user_id ON orders (user_id);

INSERT INTO users (id, name, email, role, created_at) VALUES
	(1, 'Ada Admin',	'admin@example.com',	'admin',
	    '2025-01-06 09:00:00'),
	(2, 'Dev Eloper',	'dev@example.com',	'developer',
	    '2025-01-06 09:05:00'),
	(3, 'Vera Viewer',	'viewer@example.com',	'viewer',
	    '2025-01-07 14:30:00'),
	(4, 'Alice Martin',	'alice@example.com',	'developer',
	    '2025-02-11 10:12:00'),
	(5, 'Bob Chen',		'bob@example.com',	'viewer',
	    '2025-03-02 16:45:00'),
	(6, 'Carol Diaz',	'carol@example.com',	'viewer',
	    '2025-03-19 08:20:00');

INSERT INTO projects (id, name, owner_id, status, created_at) VALUES
	(1, 'mcp-gateway',	2,	'active',	'2025-01-10 11:00:00'),
	(2, 'billing',		4,	'active',	'2025-02-12 09:30:00'),
	(3, 'legacy-portal',	1,	'archived',	'2025-01-08 15:00:00'),
	(4, 'data-warehouse',	4,	'paused',	'2025-03-01 13:15:00');

INSERT INTO products (id, sku, name, price_cents) VALUES
	(1, 'KB-101',	'Mechanical keyboard',	8900),
	(2, 'MS-202',	'Wireless mouse',	2900),
	(3, 'MN-303',	'27-inch monitor',	24900),
	(4, 'HS-404',	'USB headset',		4900);

INSERT INTO orders (id, user_id, product_id, quantity, status,
    created_at) VALUES
	(1, 2, 1, 1, 'shipped',		'2025-02-01 10:00:00'),
	(2, 2, 3, 2, 'paid',		'2025-02-15 12:30:00'),
	(3, 4, 2, 1, 'shipped',		'2025-02-20 09:10:00'),
	(4, 4, 4, 1, 'pending',		'2025-03-05 17:45:00'),
	(5, 5, 1, 1, 'cancelled',	'2025-03-06 08:00:00'),
	(6, 5, 2, 3, 'paid',		'2025-03-10 11:20:00'),
	(7, 6, 3, 1, 'pending',		'2025-03-21 14:05:00'),
	(8, 1, 4, 2, 'shipped',		'2025-01-20 16:40:00');

COMMIT;
