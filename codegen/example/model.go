package example

import (
	"path"

	"duplex.dev/codegen"
	"duplex.dev/codegen/service"
	"duplex.dev/expr"
)

// Files returns the scaffold of the design: <service>.go per service in the
// module root, cmd/<api>/main.go and cmd/<api>-cli/main.go. genPkg is the
// import path of the gen directory; the implementation package is its
// parent. The duplex command writes only the files that do not exist yet.
func Files(genPkg string, root *expr.RootExpr) ([]*codegen.File, error) {
	return files(buildAPI(genPkg, root))
}

// DefaultPort is the port the scaffolded server listens on and the
// generated CLI calls by default.
const DefaultPort = "8080"

func buildAPI(genPkg string, root *expr.RootExpr) *apiData {
	apiPkg := codegen.PackageName(root.API.Name)
	api := &apiData{
		APIName: root.API.Name,
		PkgName: apiPkg + "api",
		ModPath: path.Dir(genPkg),
		CLIPath: path.Join(genPkg, "http", "cli", apiPkg),
		Port:    DefaultPort,
	}
	for _, svc := range root.Services {
		pkg := codegen.PackageName(svc.Name)
		s := &serviceData{
			Name:       svc.Name,
			GoName:     codegen.Goify(svc.Name, true),
			PkgName:    codegen.ServiceImportName(pkg),
			ImportPath: path.Join(genPkg, pkg),
			ServerPkg:  pkg + "svr",
			ServerPath: path.Join(genPkg, "http", codegen.SnakeCase(svc.Name), "server"),
			VarName:    codegen.Goify(svc.Name, false),
		}
		if hs := root.API.HTTP.Service(svc.Name); hs != nil && len(hs.Endpoints) > 0 {
			s.HTTP = true
			api.HTTP = append(api.HTTP, s)
		}
		kinds := map[expr.SchemeKind]bool{}
		for _, me := range svc.Methods {
			for _, req := range me.Requirements {
				for _, sch := range req.Schemes {
					if kinds[sch.Kind] || sch.Kind == expr.NoKind {
						continue
					}
					kinds[sch.Kind] = true
					s.Schemes = append(s.Schemes, scheme(sch))
				}
			}
			if len(me.ServerInterceptors) > 0 {
				s.Interceptors = true
			}
			m := &methodData{Name: me.Name, GoName: codegen.Goify(me.Name, true), Streaming: me.IsStreaming()}
			m.PayloadRef = codegen.MethodTypeRef(me, me.Payload, "Payload", s.PkgName)
			if !m.Streaming {
				m.ResultRef = codegen.MethodTypeRef(me, me.Result, "Result", s.PkgName)
				m.ViewParam = m.ResultRef != "" && service.ImplementationChoosesView(me)
				m.View = service.ResultView(me)
			}
			s.Methods = append(s.Methods, m)
		}
		api.Services = append(api.Services, s)
	}
	return api
}

// scheme returns the auth function of a security scheme; Goa's Auther has
// one per scheme kind.
func scheme(s *expr.SchemeExpr) *schemeData {
	switch s.Kind {
	case expr.BasicAuthKind:
		return &schemeData{Scheme: s.SchemeName, Kind: "Basic", FuncName: "BasicAuth"}
	case expr.APIKeyKind:
		return &schemeData{Scheme: s.SchemeName, Kind: "APIKey", FuncName: "APIKeyAuth"}
	case expr.JWTKind:
		return &schemeData{Scheme: s.SchemeName, Kind: "JWT", FuncName: "JWTAuth"}
	}
	return &schemeData{Scheme: s.SchemeName, Kind: "OAuth2", FuncName: "OAuth2Auth"}
}
